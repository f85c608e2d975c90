// Elastic Load Balancing v2 (Query protocol, XML answers). Shapes:
// botocore/data/elbv2/2015-12-01/service-2.json.
#include <cstdlib>

#include <algorithm>

#include <fmt/format.h>

#include "sources/answer_checks.hpp"
#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/query_protocol.hpp"

namespace shipwatch::aws {
namespace {

// DescribeLoadBalancers takes at most 20 ARNs or names per call; target groups are batched the same.
constexpr size_t kNamesPerCall = 20;

int to_int(const std::string& text) { return text.empty() ? 0 : std::atoi(text.c_str()); }

// <X>Response/<X>Result/<list>/member...
std::vector<pugi::xml_node> result_members(const XmlDocument& doc, std::string_view list) {
    return xml_children(xml_descendant(*doc, list), "member");
}

TargetGroup parse_target_group(pugi::xml_node node) {
    TargetGroup group;
    group.arn = xml_text(node, "TargetGroupArn");
    group.name = xml_text(node, "TargetGroupName");
    group.target_type = xml_text(node, "TargetType");
    for (pugi::xml_node arn : xml_children(xml_child(node, "LoadBalancerArns"), "member"))
        group.load_balancer_arns.emplace_back(arn.child_value());
    return group;
}

// Follows NextMarker for one filter (ARNs or names).
Result<std::vector<TargetGroup>> describe_groups_by(const AwsContext& ctx, std::string_view list_name,
                                                   const std::vector<std::string>& values) {
    std::vector<TargetGroup> groups;
    for (const auto& batch : in_batches(values, kNamesPerCall)) {
        std::string marker;
        PageCount count;
        do {
            QueryParams params;
            add_list(params, std::string(list_name) + ".member", batch);
            if (!marker.empty()) params.emplace_back("Marker", marker);
            auto doc = call_query(ctx, ServiceId::elbv2, "DescribeTargetGroups", kElbv2Version, params);
            if (!doc) return doc.error();
            for (pugi::xml_node member : result_members(doc.value(), "TargetGroups"))
                groups.push_back(parse_target_group(member));
            marker = next_token(marker, xml_text(xml_descendant(*doc.value(), "DescribeTargetGroupsResult"), "NextMarker"));
            if (count.over(marker)) return listing_did_not_end("DescribeTargetGroups", count.max);
        } while (!marker.empty());
    }
    return groups;
}

bool is_arn(const std::string& text) { return text.rfind("arn:", 0) == 0; }

// "target group arn:..." (several: "target groups a, b"; "load balancer(s)" alike).
std::string named(std::string_view one, const std::vector<std::string>& items) {
    std::string out = std::string(one) + (items.size() == 1 ? " " : "s ");
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
}

}  // namespace

Result<std::vector<TargetGroup>> Elbv2Client::describe_target_groups(
    const std::vector<std::string>& arns_or_names) const {
    // The API rejects a call that filters by ARNs and names at once, so each kind goes alone.
    std::vector<std::string> arns, names;
    for (const auto& item : arns_or_names) (is_arn(item) ? arns : names).push_back(item);
    std::vector<TargetGroup> groups;
    for (auto [list_name, values] : {std::pair{"TargetGroupArns", &arns}, std::pair{"Names", &names}}) {
        if (values->empty()) continue;
        auto found = describe_groups_by(ctx_, list_name, *values);
        if (!found)
            return in_context(found.error(),
                              call_context(ctx_, ServiceId::elbv2, "DescribeTargetGroups", named("target group", *values)));
        for (auto& g : found.value()) groups.push_back(std::move(g));
    }
    return groups;
}

namespace {

Result<std::vector<Target>> describe_target_health(const AwsContext& ctx, const std::string& target_group_arn) {
    // DescribeTargetHealth is not paginated.
    auto doc = call_query(ctx, ServiceId::elbv2, "DescribeTargetHealth", kElbv2Version,
                          {{"TargetGroupArn", target_group_arn}});
    if (!doc) return doc.error();
    std::vector<Target> targets;
    for (pugi::xml_node member : result_members(doc.value(), "TargetHealthDescriptions")) {
        Target target;
        pugi::xml_node description = xml_child(member, "Target");
        pugi::xml_node health = xml_child(member, "TargetHealth");
        target.id = xml_text(description, "Id");
        target.port = to_int(xml_text(description, "Port"));
        target.state = xml_text(health, "State");
        if (target.id.empty() || !health)
            return parse_error("DescribeTargetHealth: a target description has no Target.Id or TargetHealth");
        if (!target.state.known())
            return parse_error(fmt::format("DescribeTargetHealth: TargetHealth.State '{}' of {} is not a value "
                                           "shipwatch knows ({})",
                                           target.state.text, target.id, listed_texts(spellings(TargetState{}))));
        target.reason = xml_text(health, "Reason");
        target.description = xml_text(health, "Description");
        targets.push_back(std::move(target));
    }
    return targets;
}

Result<std::vector<std::pair<std::string, std::string>>> load_balancer_dns(const AwsContext& ctx,
                                                                           const std::vector<std::string>& arns) {
    std::vector<std::pair<std::string, std::string>> dns;
    for (const auto& batch : in_batches(arns, kNamesPerCall)) {
        std::string marker;
        PageCount count;
        do {
            QueryParams params;
            add_list(params, "LoadBalancerArns.member", batch);
            if (!marker.empty()) params.emplace_back("Marker", marker);
            auto doc = call_query(ctx, ServiceId::elbv2, "DescribeLoadBalancers", kElbv2Version, params);
            if (!doc) return doc.error();
            for (pugi::xml_node member : result_members(doc.value(), "LoadBalancers"))
                dns.emplace_back(xml_text(member, "LoadBalancerArn"), xml_text(member, "DNSName"));
            marker = next_token(marker, xml_text(xml_descendant(*doc.value(), "DescribeLoadBalancersResult"), "NextMarker"));
            if (count.over(marker)) return listing_did_not_end("DescribeLoadBalancers", count.max);
        } while (!marker.empty());
    }
    return dns;
}

}  // namespace

Result<std::vector<Target>> Elbv2Client::describe_target_health(const std::string& target_group_arn) const {
    return in_context(aws::describe_target_health(ctx_, target_group_arn),
                      call_context(ctx_, ServiceId::elbv2, "DescribeTargetHealth", "target group " + target_group_arn));
}

Result<std::vector<std::pair<std::string, std::string>>> Elbv2Client::load_balancer_dns(
    const std::vector<std::string>& arns) const {
    return in_context(aws::load_balancer_dns(ctx_, arns),
                      call_context(ctx_, ServiceId::elbv2, "DescribeLoadBalancers", named("load balancer", arns)));
}

}  // namespace shipwatch::aws
