#include "sources/aws/query_protocol.hpp"

#include "sources/aws/aws_error.hpp"

namespace shipwatch::aws {
namespace {

std::string_view local_name(const char* name) {
    std::string_view n(name);
    if (auto colon = n.find(':'); colon != std::string_view::npos) n.remove_prefix(colon + 1);
    return n;
}

std::string form_body(std::string_view action, std::string_view version, const QueryParams& params) {
    std::string body = "Action=" + url_encode(std::string(action)) + "&Version=" + url_encode(std::string(version));
    for (const auto& [key, value] : params) body += "&" + url_encode(key) + "=" + url_encode(value);
    return body;
}

}  // namespace

pugi::xml_node xml_child(pugi::xml_node parent, std::string_view name) {
    for (pugi::xml_node child : parent.children())
        if (child.type() == pugi::node_element && local_name(child.name()) == name) return child;
    return {};
}

std::vector<pugi::xml_node> xml_children(pugi::xml_node parent, std::string_view name) {
    std::vector<pugi::xml_node> found;
    for (pugi::xml_node child : parent.children())
        if (child.type() == pugi::node_element && local_name(child.name()) == name) found.push_back(child);
    return found;
}

pugi::xml_node xml_descendant(pugi::xml_node root, std::string_view name) {
    for (pugi::xml_node child : root.children()) {
        if (child.type() != pugi::node_element) continue;
        if (local_name(child.name()) == name) return child;
        if (pugi::xml_node deeper = xml_descendant(child, name)) return deeper;
    }
    return {};
}

std::string xml_text(pugi::xml_node parent, std::string_view name) {
    return xml_child(parent, name).child_value();
}

pugi::xml_node xml_path(pugi::xml_node node, std::initializer_list<std::string_view> names) {
    for (auto name : names) {
        if (!node) break;
        node = xml_child(node, name);
    }
    return node;
}

void add_list(QueryParams& params, std::string_view prefix, const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i)
        params.emplace_back(std::string(prefix) + "." + std::to_string(i + 1), values[i]);
}

Error query_error(const HttpResponse& response) {
    pugi::xml_document doc;
    if (!doc.load_buffer(response.body.data(), response.body.size()))
        return unreadable_body_error(response, "error answer is not XML");
    // Both shapes hold one <Error> with <Code> and <Message>, at different depths.
    pugi::xml_node error = xml_descendant(doc, "Error");
    std::string code = xml_text(error, "Code");
    if (code.empty()) return unreadable_body_error(response, "error answer without an error code");
    std::string message = xml_text(error, "Message");
    if (message.empty()) message = code;
    return make_error(std::move(code), std::move(message), response.status);
}

namespace {

Result<XmlDocument> send_query(const AwsContext& ctx, ServiceId service, std::string_view action,
                               std::string_view version, const QueryParams& params) {
    if (ctx.transport == nullptr) return error_of(ErrorKind::transport, "transport", "no transport configured");
    HttpRequest request;
    request.method = "POST";
    request.url = ctx.endpoints.base_url(service) + "/";
    request.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
    request.body = form_body(action, version, params);
    request.aws_region = ctx.region.empty() ? ctx.endpoints.region() : ctx.region;
    request.aws_service = info(service).signing_name;
    mark_aws_request(request);

    HttpResponse response = ctx.transport->send(request);
    if (response.transport_failed()) return transport_error(response);
    if (response.status >= 400) return query_error(response);
    auto doc = std::make_shared<pugi::xml_document>();
    if (!doc->load_buffer(response.body.data(), response.body.size()) || !doc->document_element())
        return unreadable_body_error(response, std::string("answer to ") + std::string(action) + " is not XML");
    return XmlDocument(std::move(doc));
}

}  // namespace

Result<XmlDocument> call_query(const AwsContext& ctx, ServiceId service, std::string_view action,
                               std::string_view version, const QueryParams& params) {
    return in_context(send_query(ctx, service, action, version, params), call_context(ctx, service, action));
}

}  // namespace shipwatch::aws
