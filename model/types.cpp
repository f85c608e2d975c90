#include "model/types.hpp"

namespace shipwatch {

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
