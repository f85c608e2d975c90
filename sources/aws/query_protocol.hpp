// AWS Query protocol (ELBv2) and its EC2 variant: `POST /` with a form body
// `Action=<Op>&Version=<ver>&...`, answers and errors in XML.
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "sources/aws/aws_error.hpp"
#include "sources/aws/clients.hpp"
#include "base/result.hpp"

namespace shipwatch::aws {

inline constexpr std::string_view kElbv2Version = "2015-12-01";
inline constexpr std::string_view kEc2Version = "2016-11-15";

// Ordered form fields after Action and Version: {"TargetGroupArns.member.1", "arn:..."}.
using QueryParams = std::vector<std::pair<std::string, std::string>>;
using XmlDocument = std::shared_ptr<const pugi::xml_document>;

Result<XmlDocument> call_query(const AwsContext& ctx, ServiceId service, std::string_view action,
                               std::string_view version, const QueryParams& params);

// Appends a list as `<prefix>.1=a&<prefix>.2=b`; prefix is "Names.member" (ELBv2) or "InstanceId" (EC2).
void add_list(QueryParams& params, std::string_view prefix, const std::vector<std::string>& values);

// ELBv2 `<ErrorResponse><Error>` or EC2 `<Response><Errors><Error>` as a typed error.
Error query_error(const HttpResponse& response);

// Answers carry an xmlns; these match element names by local name (the part after any prefix).
pugi::xml_node xml_child(pugi::xml_node parent, std::string_view local_name);
std::vector<pugi::xml_node> xml_children(pugi::xml_node parent, std::string_view local_name);
pugi::xml_node xml_descendant(pugi::xml_node root, std::string_view local_name);  // depth-first, first match
std::string xml_text(pugi::xml_node parent, std::string_view local_name);  // child's text, "" when absent
// Walks a path of local names: xml_path(root, {"Error", "Code"}).
pugi::xml_node xml_path(pugi::xml_node node, std::initializer_list<std::string_view> names);

}  // namespace shipwatch::aws
