// What the AppSpec of an ECS blue/green deployment says it rolls out: CodeDeploy keeps the
// deployment's revision (`deploymentInfo.revision.appSpecContent.content`, YAML or JSON) after ECS
// has deleted the replacement task set and forgotten its stopped tasks.
// https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shipwatch {

struct AppSpecTarget {
    std::string task_definition;  // ARN (or family:revision) as written; empty when not told
    std::string container_name;  // LoadBalancerInfo.ContainerName, when valid
    std::optional<int> container_port;  // LoadBalancerInfo.ContainerPort, when valid
    std::string untold;  // why the task definition is not told; empty when it is
};

// Reads `Resources[].<name>.Properties.TaskDefinition` and its LoadBalancerInfo from an AppSpec
// in YAML (block or flow style) or JSON. The form is small and fixed, so this is a scanner for it,
// not a YAML parser: keys are matched outside quotes and comments, the value must be one string
// that is a task definition ARN (or family:revision); a placeholder (`<TASK_DEFINITION>`, which
// CodePipeline fills in), a mapping, several different task definitions or any other text is not
// told, and says why. Nothing of the content is returned unchecked: values are validated, and the
// reason quotes them only with their control characters made visible.
AppSpecTarget read_appspec(std::string_view content);

// `text` for a sentence: control characters (and DEL) written \xNN, cut to `max` bytes with "…".
std::string visible_text(std::string_view text, size_t max = 80);

}  // namespace shipwatch
