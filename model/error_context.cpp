#include "model/error_context.hpp"

namespace shipwatch {

void ErrorContext::fill_from(const ErrorContext& other) {
    if (call.empty()) call = other.call;
    if (resource.empty()) resource = other.resource;
    if (region.empty()) region = other.region;
    if (profile.empty()) profile = other.profile;
}

std::string describe(const ErrorContext& c) {
    std::string out = c.call;
    if (!c.resource.empty()) out += (out.empty() ? "" : " ") + c.resource;
    std::string where = c.region;
    if (!c.profile.empty()) where += (where.empty() ? "" : ", ") + c.profile;
    if (!where.empty()) out += (out.empty() ? "(" : " (") + where + ")";
    return out;
}

std::string describe_failure(const ErrorContext& c, std::string_view code, std::string_view message) {
    std::string what(code);
    if (what.empty() || message == code) what = message;
    else if (!message.empty()) what += ": " + std::string(message);
    std::string where = describe(c);
    if (where.empty()) return what;
    return what.empty() ? where : where + ": " + what;
}

}  // namespace shipwatch
