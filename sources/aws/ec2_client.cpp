// Amazon EC2 (the EC2 flavour of the Query protocol: lists as `InstanceId.N`, answers in
// `<item>` lists). Shapes: botocore/data/ec2/2016-11-15/service-2.json.
#include "sources/answer_checks.hpp"
#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/query_protocol.hpp"
#include "base/digest.hpp"

namespace shipwatch::aws {
namespace {

Instance parse_instance(pugi::xml_node item) {
    Instance instance;
    instance.id = require_nonempty(xml_text(item, "instanceId"), "instance.instanceId");
    instance.state = require_state<InstanceState>(xml_text(xml_child(item, "instanceState"), "name"),
                                                  "instance.instanceState.name");
    instance.instance_type = xml_text(item, "instanceType");
    instance.image_id = xml_text(item, "imageId");
    instance.private_ip = xml_text(item, "privateIpAddress");
    instance.launch_time = parse_iso8601(xml_text(item, "launchTime")).value_or(TimePoint{});
    return instance;
}

Result<std::vector<Instance>> describe_instances(const AwsContext& ctx, const std::vector<std::string>& ids) {
    std::vector<Instance> instances;
    if (ids.empty()) return instances;  // no ids would mean "every instance in the region"
    std::string token;
    PageCount count;
    do {
        QueryParams params;
        add_list(params, "InstanceId", ids);
        if (!token.empty()) params.emplace_back("NextToken", token);
        auto doc = call_query(ctx, ServiceId::ec2, "DescribeInstances", kEc2Version, params);
        if (!doc) return doc.error();
        pugi::xml_node root = doc.value()->document_element();
        // Direct children only: instances hold other <item> lists (groupSet, tagSet, ...).
        try {
            for (pugi::xml_node reservation : xml_children(xml_child(root, "reservationSet"), "item"))
                for (pugi::xml_node item : xml_children(xml_child(reservation, "instancesSet"), "item"))
                    instances.push_back(parse_instance(item));
        } catch (const UnexpectedAnswer& e) {
            return parse_error(std::string("DescribeInstances: ") + e.what());
        }
        token = next_token(token, xml_text(root, "nextToken"));
        if (count.over(token)) return listing_did_not_end("DescribeInstances", count.max);
    } while (!token.empty());
    return instances;
}

Result<std::string> user_data(const AwsContext& ctx, const std::string& instance_id) {
    auto doc = call_query(ctx, ServiceId::ec2, "DescribeInstanceAttribute", kEc2Version,
                          {{"InstanceId", instance_id}, {"Attribute", "userData"}});
    if (!doc) return doc.error();
    // <DescribeInstanceAttributeResponse><userData><value>BASE64</value></userData>; an
    // instance without user data answers <userData/>.
    std::string encoded = xml_text(xml_child(doc.value()->document_element(), "userData"), "value");
    auto decoded = base64_decode(encoded);
    if (!decoded) return parse_error("user data of " + instance_id + " is not valid base64");
    return *decoded;
}

// "instance i-0c5a5c767bec5c27e" (several: "instances i-1, i-2").
std::string instances_text(const std::vector<std::string>& ids) {
    std::string out = ids.size() == 1 ? "instance " : "instances ";
    for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + ids[i];
    return out;
}

}  // namespace

Result<std::vector<Instance>> Ec2Client::describe_instances(const std::vector<std::string>& ids) const {
    return in_context(aws::describe_instances(ctx_, ids),
                      call_context(ctx_, ServiceId::ec2, "DescribeInstances", instances_text(ids)));
}

Result<std::string> Ec2Client::user_data(const std::string& instance_id) const {
    return in_context(aws::user_data(ctx_, instance_id),
                      call_context(ctx_, ServiceId::ec2, "DescribeInstanceAttribute", "instance " + instance_id));
}

}  // namespace shipwatch::aws
