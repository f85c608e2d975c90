#include "model/types.hpp"

#include <algorithm>

namespace shipwatch {

std::string CodeDeployDeployment::reason() const {
    if (error_code.empty() || error_message.empty()) return error_code + error_message;
    return error_code + ": " + error_message;
}

void add_target_groups(const Service& svc, std::vector<std::string>& groups) {
    auto add = [&groups](const ServiceLoadBalancer& lb) {
        if (!lb.target_group_arn.empty() && std::find(groups.begin(), groups.end(), lb.target_group_arn) == groups.end())
            groups.push_back(lb.target_group_arn);
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
