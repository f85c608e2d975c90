// Internals shared by the next-steps files: what the rules read (gathered once), how a command
// line is built, and the commands and console pages per service. Not for other layers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/next_steps.hpp"

namespace shipwatch::next_steps_detail {

// A command line built word by word: values are quoted, the words we write are not.
class Cmd {
public:
    explicit Cmd(std::string_view program) : line_(program) {}
    Cmd& word(std::string_view w) {  // ours: a subcommand or a flag
        line_ += ' ';
        line_ += w;
        return *this;
    }
    Cmd& arg(std::string_view value) {
        line_ += ' ';
        line_ += shell_quote(value);
        return *this;
    }
    Cmd& opt(std::string_view flag, std::string_view value) { return word(flag).arg(value); }
    std::string str() const { return line_; }

private:
    std::string line_;
};

// ---- what the rules read, gathered once --------------------------------------------------------

enum class Controller { rolling, code_deploy, external };
enum class TagStyle { none, mutable_tag, commit_tag, digest };

// Where an image reference points: this account's (or another account's) private ECR, or any
// other registry, read with docker.
struct Registry {
    bool ecr = false;
    std::string account;  // the ECR registry id (the account in the host)
    std::string region;  // the ECR region in the host
};

struct Facts {
    const Diagnosis& d;
    const PipelineSnapshot& s;
    Stage stage = Stage::push;
    const Service* svc = nullptr;
    const TaskDefinition* td = nullptr;  // the one the service is set to run
    const ContainerDef* app = nullptr;  // the container built from the watched repository
    ImageRef ref;  // the app container's image reference
    TagStyle style = TagStyle::none;
    Registry registry;
    Controller controller = Controller::rolling;
    const CiRun* run = nullptr;  // the newest CI run of the newest commit
    const Image* expected = nullptr;  // the newest image that carries the newest commit
};

Facts gather(const Diagnosis& d, const PipelineSnapshot& s);

struct Steps {
    std::vector<NextStep> list;
    void confirm(std::string why, std::string command, std::string url = {}) {
        list.push_back({StepKind::confirm, std::move(why), std::move(command), std::move(url)});
    }
    void fix(std::string why, std::string command, std::string url = {}) {
        list.push_back({StepKind::fix, std::move(why), std::move(command), std::move(url)});
    }
};

// ---- words, commands and pages (next_steps_commands.cpp) -----------------------------------------

std::string url_encode(std::string_view s);
std::string console_fragment(std::string_view name);
std::string tail(std::string_view arn);
std::string name_of(std::string_view name_or_arn);
const TaskDefinition* taskdef_of(const PipelineSnapshot& s, const std::string& arn);

Cmd aws(std::string_view service, std::string_view operation);
std::string aws_end(Cmd c, const PipelineSpec& spec, std::string_view region = {});
Cmd gh(std::string_view what);
std::string gh_end(Cmd c, const Facts& f);
std::string console(const Facts& f, std::string_view path, std::string_view fragment = {});
std::string service_page(const Facts& f, std::string_view tab);
std::string describe_services(const Facts& f, std::string_view query);
std::string td_name(const TaskDefinition& td);
std::string td_name_of(const Facts& f, const std::string& arn);
std::vector<std::string> running_task_ids(const Facts& f);
const Task* newest_stopped(const Facts& f);
std::string codedeploy_id(const Facts& f);
std::string codedeploy_page(const Facts& f, const std::string& id);
std::string target_tag(const Facts& f);
std::string registry_lookup(const Facts& f, const std::string& id);
std::string repository_page(const Facts& f);
bool codebuild(const Facts& f);
std::string run_page(const Facts& f, const CiRun& run);

// ---- steps more than one verdict takes (next_steps_shared.cpp) -----------------------------------

void confirm_run(const Facts& f, const CiRun& run, Steps& out, bool failed);
void confirm_runs_listed(const Facts& f, Steps& out);
void fix_build(const Facts& f, Steps& out, bool only_failed);
void fix_restart(const Facts& f, Steps& out, const std::string& why, const std::string& td_arn = {});
void confirm_tasks(const Facts& f, Steps& out, std::string_view why);
void confirm_rollout(const Facts& f, Steps& out);
void confirm_native_shift(const Facts& f, Steps& out);
void confirm_logs(const Facts& f, Steps& out, const TaskDefinition* td, const Task* task);
std::string previous_taskdef(const Facts& f, const std::string& failing);
std::string target_group(const Facts& f);
std::string target_group_page(const Facts& f, const std::string& arn);
void confirm_target_health(const Facts& f, Steps& out, const std::string& arn);
const Instance* stale_instance(const Facts& f);
void fix_instances(const Facts& f, Steps& out, const Instance& inst);
std::string appspec_revision(const Facts& f, const std::string& td_arn);

// ---- a failed or stopped CodeDeploy deployment (next_steps_codedeploy.cpp) -----------------------

// Each returns false (and adds nothing) unless the service is CODE_DEPLOY and the deployment
// shipwatch read failed or was stopped.
bool confirm_codedeploy_failure(const Facts& f, Steps& out);
bool fix_codedeploy_again(const Facts& f, Steps& out);

}  // namespace shipwatch::next_steps_detail
