#include "model/types.hpp"

namespace shipwatch {

ImageRef parse_image_ref(const std::string& text) {
    ImageRef ref;
    ref.text = text;
    std::string rest = text;
    if (auto at = rest.find('@'); at != std::string::npos) {
        ref.digest = rest.substr(at + 1);
        rest = rest.substr(0, at);
    }
    // A registry is the first component when it looks like a host (has '.' or ':' or is localhost).
    if (auto slash = rest.find('/'); slash != std::string::npos) {
        std::string first = rest.substr(0, slash);
        if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
            ref.registry = first;
            rest = rest.substr(slash + 1);
        }
    }
    // The tag follows the last ':' after the last '/'.
    auto last_slash = rest.rfind('/');
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
        ref.tag = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    ref.repository = rest;
    if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
    return ref;
}

const ContainerDef* app_container(const TaskDefinition& td, const std::string& repository) {
    if (!repository.empty())
        for (const auto& c : td.containers)
            if (parse_image_ref(c.image).repository == repository) return &c;
    const ContainerDef* ecr = nullptr;
    for (const auto& c : td.containers) {
        if (c.image.find(".dkr.ecr.") == std::string::npos) continue;
        if (c.essential) return &c;
        if (!ecr) ecr = &c;
    }
    if (ecr) return ecr;
    return td.containers.empty() ? nullptr : &td.containers.front();
}

}  // namespace shipwatch
