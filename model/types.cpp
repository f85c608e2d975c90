#include "model/types.hpp"

#include <algorithm>

namespace shipwatch {

std::string CodeDeployDeployment::reason() const {
    if (error_code.empty() || error_message.empty()) return error_code + error_message;
    return error_code + ": " + error_message;
}

void add_target_groups(const Service& svc, std::vector<std::string>& groups) {
    auto add_arn = [&groups](const std::string& arn) {
        if (!arn.empty() && std::find(groups.begin(), groups.end(), arn) == groups.end()) groups.push_back(arn);
    };
    auto add = [&add_arn](const ServiceLoadBalancer& lb) {
        add_arn(lb.target_group_arn);
        add_arn(lb.alternate_target_group_arn);  // the other colour of an ECS-native blue/green shift
    };
    for (const auto& lb : svc.load_balancers) add(lb);
    for (const auto& set : svc.task_sets)
        for (const auto& lb : set.load_balancers) add(lb);
}

const ContainerDef* app_container(const TaskDefinition& td, const std::string& repository) {
    if (!repository.empty())
        for (const auto& c : td.containers)
            if (parse_image_ref(c.image).repository == repository) return &c;
    const ContainerDef* ecr = nullptr;
    for (const auto& c : td.containers) {
        if (parse_image_ref(c.image).where().kind != RegistryKind::ecr) continue;
        if (c.essential) return &c;
        if (!ecr) ecr = &c;
    }
    if (ecr) return ecr;
    return td.containers.empty() ? nullptr : &td.containers.front();
}

}  // namespace shipwatch
