// AWS Query services: ELBv2 (2015-12-01) and EC2 (2016-11-15). The world keeps their objects in
// botocore member names; ELBv2's XML uses those names with lists as <member>, EC2's XML uses each
// member's locationName (instanceState, tagSet, ...) with lists as <item>.
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html, .../aws-ec2-query-protocol.html
#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "sim/handlers.hpp"

namespace shipwatch::sim::detail {
namespace {

constexpr const char* kElbNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
constexpr const char* kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
constexpr size_t kElbMaxPageSize = 400;


std::string scalar_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    return value.dump();  // numbers
}

HttpResponse xml_response(int status, const pugi::xml_document& doc, const std::string& request_id) {
    std::ostringstream out;
    doc.save(out, "  ");
    HttpResponse r;
    r.status = status;
    r.headers["Content-Type"] = "text/xml;charset=UTF-8";
    r.headers["x-amzn-RequestId"] = request_id;
    r.body = out.str();
    return r;
}

std::optional<size_t> page_size(const Form& form, const char* key, size_t fallback, size_t low, size_t high) {
    auto it = form.find(key);
    if (it == form.end()) return fallback;
    size_t n = 0;
    try {
        n = std::stoul(it->second);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (n < low || n > high) return std::nullopt;
    return n;
}

// ---- ELBv2 ------------------------------------------------------------------------------------

void write_elb(pugi::xml_node parent, const std::string& name, const json& value) {
    if (value.is_null()) return;
    pugi::xml_node node = parent.append_child(name.c_str());
    if (value.is_object())
        for (const auto& [key, item] : value.items()) write_elb(node, key, item);
    else if (value.is_array())
        for (const json& item : value) write_elb(node, "member", item);
    else
        node.text() = scalar_text(value).c_str();
}

// <{Action}Response xmlns><{Action}Result/><ResponseMetadata><RequestId/></ResponseMetadata>; returns the Result.
pugi::xml_node elb_envelope(pugi::xml_document& doc, const std::string& action, const std::string& request_id) {
    pugi::xml_node root = doc.append_child((action + "Response").c_str());
    root.append_attribute("xmlns") = kElbNamespace;
    pugi::xml_node result = root.append_child((action + "Result").c_str());
    root.append_child("ResponseMetadata").append_child("RequestId").text() = request_id.c_str();
    return result;
}

HttpResponse elb_page(const std::string& action, const char* list_name, const std::vector<const json*>& items,
                      const Form& form, const AwsCall& call) {
    auto size = page_size(form, "PageSize", kElbMaxPageSize, 1, kElbMaxPageSize);
    if (!size) return query_fault(QueryService::elbv2, 400, "ValidationError", "PageSize must be between 1 and 400",
                                  call.request_id);
    auto marker = form.find("Marker");
    auto page = paginate(action, marker == form.end() ? "" : marker->second, items.size(), *size);
    if (!page) return query_fault(QueryService::elbv2, 400, "ValidationError", "Invalid Marker", call.request_id);
    pugi::xml_document doc;
    pugi::xml_node result = elb_envelope(doc, action, call.request_id);
    pugi::xml_node listed = result.append_child(list_name);
    for (size_t i = page->begin; i < page->end; ++i) write_elb(listed, "member", *items[i]);
    if (!page->next_token.empty()) result.append_child("NextMarker").text() = page->next_token.c_str();
    return xml_response(200, doc, call.request_id);
}

// Picks objects by one identifying member; nullopt when any wanted value is unknown.
std::optional<std::vector<const json*>> pick(const json& objects, const char* key, const std::vector<std::string>& wanted) {
    std::vector<const json*> out;
    for (const auto& w : wanted) {
        auto it = std::find_if(objects.begin(), objects.end(), [&](const json& o) { return o.value(key, "") == w; });
        if (it == objects.end()) return std::nullopt;
        out.push_back(&*it);
    }
    return out;
}

HttpResponse describe_target_groups(const Form& form, const AwsCall& call) {
    const json& elbv2 = child(call.region, "elbv2");
    const json& groups = list(elbv2, "targetGroups");
    const auto arns = form_list(form, "TargetGroupArns.member");
    const auto names = form_list(form, "Names.member");
    auto lb = form.find("LoadBalancerArn");
    if ((!arns.empty()) + (!names.empty()) + (lb != form.end()) > 1)
        return query_fault(QueryService::elbv2, 400, "ValidationError",
                           "Only one of LoadBalancerArn, TargetGroupArns or Names can be specified", call.request_id);
    std::vector<const json*> chosen;
    if (!arns.empty() || !names.empty()) {
        auto picked = arns.empty() ? pick(groups, "TargetGroupName", names) : pick(groups, "TargetGroupArn", arns);
        if (!picked)
            return query_fault(QueryService::elbv2, 400, "TargetGroupNotFound", "One or more target groups not found",
                               call.request_id);
        chosen = *picked;
    } else if (lb != form.end()) {
        if (!pick(list(elbv2, "loadBalancers"), "LoadBalancerArn", {lb->second}))
            return query_fault(QueryService::elbv2, 400, "LoadBalancerNotFound", "One or more load balancers not found",
                               call.request_id);
        for (const json& g : groups) {
            const json& lbs = list(g, "LoadBalancerArns");
            if (std::find(lbs.begin(), lbs.end(), lb->second) != lbs.end()) chosen.push_back(&g);
        }
    } else {
        for (const json& g : groups) chosen.push_back(&g);
    }
    return elb_page("DescribeTargetGroups", "TargetGroups", chosen, form, call);
}

HttpResponse describe_target_health(const Form& form, const AwsCall& call) {
    const json& elbv2 = child(call.region, "elbv2");
    auto arn = form.find("TargetGroupArn");
    if (arn == form.end() || arn->second.empty())
        return query_fault(QueryService::elbv2, 400, "ValidationError",
                           "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: "
                           "Member must not be null",
                           call.request_id);
    if (!pick(list(elbv2, "targetGroups"), "TargetGroupArn", {arn->second}))
        return query_fault(QueryService::elbv2, 400, "TargetGroupNotFound", "One or more target groups not found",
                           call.request_id);
    // Targets.member.N.Id narrows the answer to those targets.
    std::vector<std::string> ids;
    for (size_t i = 1;; ++i) {
        auto id = form.find(fmt::format("Targets.member.{}.Id", i));
        if (id == form.end()) break;
        ids.push_back(id->second);
    }
    pugi::xml_document doc;
    pugi::xml_node result = elb_envelope(doc, "DescribeTargetHealth", call.request_id);
    pugi::xml_node listed = result.append_child("TargetHealthDescriptions");
    for (const json& d : list(child(elbv2, "targetHealth"), arn->second.c_str())) {
        const std::string id = child(d, "Target").value("Id", "");
        if (ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end()) write_elb(listed, "member", d);
    }
    return xml_response(200, doc, call.request_id);
}

HttpResponse describe_load_balancers(const Form& form, const AwsCall& call) {
    const json& balancers = list(child(call.region, "elbv2"), "loadBalancers");
    const auto arns = form_list(form, "LoadBalancerArns.member");
    const auto names = form_list(form, "Names.member");
    std::vector<const json*> chosen;
    if (!arns.empty() || !names.empty()) {
        auto picked = arns.empty() ? pick(balancers, "LoadBalancerName", names) : pick(balancers, "LoadBalancerArn", arns);
        if (!picked)
            return query_fault(QueryService::elbv2, 400, "LoadBalancerNotFound", "One or more load balancers not found",
                               call.request_id);
        chosen = *picked;
    } else {
        for (const json& b : balancers) chosen.push_back(&b);
    }
    return elb_page("DescribeLoadBalancers", "LoadBalancers", chosen, form, call);
}

// ---- EC2 --------------------------------------------------------------------------------------

// locationNames that are not the member name with a lower-case first letter (botocore ec2 model).
const std::map<std::string, std::string> kInstanceNames = {
    {"PublicDnsName", "dnsName"},
    {"PublicIpAddress", "ipAddress"},
    {"State", "instanceState"},
    {"StateTransitionReason", "reason"},
    {"BlockDeviceMappings", "blockDeviceMapping"},
    {"ElasticGpuAssociations", "elasticGpuAssociationSet"},
    {"ElasticInferenceAcceleratorAssociations", "elasticInferenceAcceleratorAssociationSet"},
    {"NetworkInterfaces", "networkInterfaceSet"},
    {"SecurityGroups", "groupSet"},
    {"Tags", "tagSet"},
    {"Licenses", "licenseSet"},
};
const std::map<std::string, std::string> kNestedNames = {
    {"ProductCodeId", "productCode"},
    {"ProductCodeType", "type"},
    {"Groups", "groupSet"},
    {"Ipv6Addresses", "ipv6AddressesSet"},
    {"PrivateIpAddresses", "privateIpAddressesSet"},
    {"Ipv4Prefixes", "ipv4PrefixSet"},
    {"Ipv6Prefixes", "ipv6PrefixSet"},
};

std::string ec2_name(const std::string& member, const std::map<std::string, std::string>& names) {
    if (auto it = names.find(member); it != names.end()) return it->second;
    std::string out = member;
    if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
    return out;
}

void write_ec2(pugi::xml_node parent, const std::string& name, const json& value) {
    if (value.is_null()) return;
    pugi::xml_node node = parent.append_child(name.c_str());
    if (value.is_object())
        for (const auto& [key, item] : value.items()) write_ec2(node, ec2_name(key, kNestedNames), item);
    else if (value.is_array())
        for (const json& item : value) write_ec2(node, "item", item);
    else
        node.text() = scalar_text(value).c_str();
}

// State codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
int state_code(const std::string& name) {
    static const std::map<std::string, int> codes = {{"pending", 0},   {"running", 16},  {"shutting-down", 32},
                                                     {"terminated", 48}, {"stopping", 64}, {"stopped", 80}};
    auto it = codes.find(name);
    return it == codes.end() ? 0 : it->second;
}

void write_instance(pugi::xml_node parent, const json& instance) {
    pugi::xml_node node = parent.append_child("item");
    for (const auto& [key, value] : instance.items()) {
        if (key == "UserData") continue;  // not an Instance member; DescribeInstanceAttribute serves it
        if (key == "State" && value.is_object() && !value.contains("Code")) {
            json state = value;
            state["Code"] = state_code(value.value("Name", ""));
            write_ec2(node, "instanceState", state);
            continue;
        }
        write_ec2(node, ec2_name(key, kInstanceNames), value);
    }
}

pugi::xml_node ec2_envelope(pugi::xml_document& doc, const std::string& action, const std::string& request_id) {
    pugi::xml_node root = doc.append_child((action + "Response").c_str());
    root.append_attribute("xmlns") = kEc2Namespace;
    root.append_child("requestId").text() = request_id.c_str();
    return root;
}

HttpResponse instances_not_found(const std::vector<std::string>& ids, const AwsCall& call) {
    std::string joined;
    for (const auto& id : ids) joined += (joined.empty() ? "" : ", ") + id;
    return query_fault(QueryService::ec2, 400, "InvalidInstanceID.NotFound",
                       ids.size() == 1 ? fmt::format("The instance ID '{}' does not exist", joined)
                                       : fmt::format("The instance IDs '{}' do not exist", joined),
                       call.request_id);
}

HttpResponse describe_instances(const Form& form, const AwsCall& call) {
    const json& instances = list(child(call.region, "ec2"), "instances");
    const auto ids = form_list(form, "InstanceId");
    for (const auto& id : ids)
        if (id.rfind("i-", 0) != 0)
            return query_fault(QueryService::ec2, 400, "InvalidInstanceID.Malformed", fmt::format("Invalid id: \"{}\"", id),
                               call.request_id);
    if (!ids.empty() && form.contains("MaxResults"))
        return query_fault(QueryService::ec2, 400, "InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter maxResults", call.request_id);
    std::vector<const json*> chosen;
    std::vector<std::string> missing;
    for (const auto& id : ids) {
        auto it = std::find_if(instances.begin(), instances.end(), [&](const json& i) { return i.value("InstanceId", "") == id; });
        if (it == instances.end())
            missing.push_back(id);
        else
            chosen.push_back(&*it);
    }
    if (!missing.empty()) return instances_not_found(missing, call);
    if (ids.empty())
        for (const json& i : instances) chosen.push_back(&i);
    auto size = page_size(form, "MaxResults", 1000, 5, 1000);
    if (!size)
        return query_fault(QueryService::ec2, 400, "InvalidParameterValue", "MaxResults must be between 5 and 1000",
                           call.request_id);
    auto token = form.find("NextToken");
    auto page = paginate("DescribeInstances", token == form.end() ? "" : token->second, chosen.size(), *size);
    if (!page)
        return query_fault(QueryService::ec2, 400, "InvalidParameterValue", "Invalid value for NextToken", call.request_id);

    pugi::xml_document doc;
    pugi::xml_node root = ec2_envelope(doc, "DescribeInstances", call.request_id);
    pugi::xml_node reservations = root.append_child("reservationSet");
    for (size_t i = page->begin; i < page->end; ++i) {
        // One reservation per instance, as a RunInstances call per instance (CDK's ec2.Instance) gives.
        const std::string id = chosen[i]->value("InstanceId", "");
        pugi::xml_node reservation = reservations.append_child("item");
        reservation.append_child("reservationId").text() = ("r-" + id.substr(2)).c_str();
        reservation.append_child("ownerId").text() = call.account.c_str();
        reservation.append_child("groupSet");
        write_instance(reservation.append_child("instancesSet"), *chosen[i]);
    }
    if (!page->next_token.empty()) root.append_child("nextToken").text() = page->next_token.c_str();
    return xml_response(200, doc, call.request_id);
}

HttpResponse describe_instance_attribute(const Form& form, const AwsCall& call) {
    static const std::vector<std::string> kAttributes = {
        "instanceType", "kernel",         "ramdisk",     "userData",      "disableApiTermination",
        "instanceInitiatedShutdownBehavior", "rootDeviceName", "blockDeviceMapping", "productCodes",
        "sourceDestCheck", "groupSet",    "ebsOptimized", "sriovNetSupport", "enaSupport", "enclaveOptions",
        "disableApiStop"};
    auto id = form.find("InstanceId");
    auto attribute = form.find("Attribute");
    if (id == form.end() || attribute == form.end())
        return query_fault(QueryService::ec2, 400, "MissingParameter",
                           fmt::format("The request must contain the parameter {}",
                                       id == form.end() ? "InstanceId" : "Attribute"),
                           call.request_id);
    if (std::find(kAttributes.begin(), kAttributes.end(), attribute->second) == kAttributes.end())
        return query_fault(QueryService::ec2, 400, "InvalidParameterValue",
                           fmt::format("Value ({}) for parameter attribute is invalid. Unknown attribute.",
                                       attribute->second),
                           call.request_id);
    const json& instances = list(child(call.region, "ec2"), "instances");
    auto it = std::find_if(instances.begin(), instances.end(),
                           [&](const json& i) { return i.value("InstanceId", "") == id->second; });
    if (it == instances.end()) return instances_not_found({id->second}, call);

    pugi::xml_document doc;
    pugi::xml_node root = ec2_envelope(doc, "DescribeInstanceAttribute", call.request_id);
    root.append_child("instanceId").text() = id->second.c_str();
    pugi::xml_node value = root.append_child(attribute->second.c_str());
    // The member holding a scalar attribute is its name capitalised (instanceType -> InstanceType).
    std::string member = attribute->second;
    member[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(member[0])));
    const json& held = child(*it, member.c_str());
    if (attribute->second == "userData") {
        // EC2 hands user data back base64-encoded, as it was given to RunInstances.
        if (held.is_string() && !held.get<std::string>().empty())
            value.append_child("value").text() = base64_encode(held.get<std::string>()).c_str();
    } else if (held.is_primitive() && !held.is_null()) {
        value.append_child("value").text() = scalar_text(held).c_str();
    }
    return xml_response(200, doc, call.request_id);
}

}  // namespace

HttpResponse query_fault(QueryService service, int status, std::string_view code, std::string_view message,
                         const std::string& request_id) {
    pugi::xml_document doc;
    if (service == QueryService::elbv2) {
        pugi::xml_node root = doc.append_child("ErrorResponse");
        root.append_attribute("xmlns") = kElbNamespace;
        pugi::xml_node error = root.append_child("Error");
        error.append_child("Type").text() = status >= 500 ? "Receiver" : "Sender";
        error.append_child("Code").text() = std::string(code).c_str();
        error.append_child("Message").text() = std::string(message).c_str();
        root.append_child("RequestId").text() = request_id.c_str();
    } else {
        pugi::xml_node root = doc.append_child("Response");
        pugi::xml_node error = root.append_child("Errors").append_child("Error");
        error.append_child("Code").text() = std::string(code).c_str();
        error.append_child("Message").text() = std::string(message).c_str();
        root.append_child("RequestID").text() = request_id.c_str();
    }
    return xml_response(status, doc, request_id);
}

HttpResponse handle_query(QueryService service, const std::string& action, const Form& form, const AwsCall& call) {
    if (service == QueryService::elbv2) {
        if (action == "DescribeTargetGroups") return describe_target_groups(form, call);
        if (action == "DescribeTargetHealth") return describe_target_health(form, call);
        if (action == "DescribeLoadBalancers") return describe_load_balancers(form, call);
    } else {
        if (action == "DescribeInstances") return describe_instances(form, call);
        if (action == "DescribeInstanceAttribute") return describe_instance_attribute(form, call);
    }
    return query_fault(service, 400, "InvalidAction",
                       fmt::format("The action {} is not valid for this web service.", action), call.request_id);
}

}  // namespace shipwatch::sim::detail
