// SimServer: every HTTP request becomes an HttpRequest for SimTransport. AWS requests are
// verified (SigV4, the scenario's keys, real-time skew) before they reach the world and are
// refused in their service's error shape; GitHub and version endpoints are answered unsigned.
#include "sim/sim_server.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

// Debian's cpp-httplib is a compiled library built with these (its pkg-config Cflags); the
// declarations must match it (Request has an SSL member under OPENSSL_SUPPORT).
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#ifndef CPPHTTPLIB_ZLIB_SUPPORT
#define CPPHTTPLIB_ZLIB_SUPPORT
#endif
#ifndef CPPHTTPLIB_BROTLI_SUPPORT
#define CPPHTTPLIB_BROTLI_SUPPORT
#endif
#include <httplib.h>

#include <fmt/format.h>

#include "sim/handlers.hpp"
#include "sim/sigv4_verify.hpp"

namespace shipwatch::sim {

namespace {

constexpr std::string_view kGithubOrigin = "https://api.github.com";

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// What kind of AWS caller this is, known before (and without) a valid signature, so that even
// a refusal comes back in the shape the caller's protocol parser expects.
std::optional<AuthErrorShape> aws_shape(const httplib::Request& req, bool sigv4, const std::string& scope_service) {
    if (scope_service == "ec2") return AuthErrorShape::ec2;
    if (scope_service == "elasticloadbalancing") return AuthErrorShape::query;
    if (!scope_service.empty() || req.has_header("X-Amz-Target")) return AuthErrorShape::json;
    // A Query call without (usable) credentials: Action= in the form body or the query string.
    size_t q = req.target.find('?');
    auto form = parse_form(req.method == "POST" ? req.body : q == std::string::npos ? "" : req.target.substr(q + 1));
    if (auto action = form.find("Action"); action != form.end()) {
        auto version = form.find("Version");
        return version != form.end() && version->second == "2016-11-15" ? AuthErrorShape::ec2 : AuthErrorShape::query;
    }
    if (sigv4) return AuthErrorShape::json;  // signed, but the scope names no service
    return std::nullopt;
}

std::string scope_service_of(const std::string& authorization) {
    // Credential=<key>/<date>/<region>/<service>/aws4_request
    auto at = authorization.find("Credential=");
    if (at == std::string::npos) return {};
    std::string rest = authorization.substr(at + 11, authorization.find_first_of(", ", at) - at - 11);
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        size_t slash = rest.find('/', start);
        parts.push_back(rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts.size() == 5 ? parts[3] : std::string();
}

void write(const HttpResponse& from, httplib::Response& to) {
    to.status = from.status;
    std::string content_type = "application/octet-stream";
    for (const auto& [name, value] : from.headers) {
        std::string n = lower(name);
        if (n == "content-type") content_type = value;
        else if (n != "content-length" && n != "transfer-encoding" && n != "connection") to.set_header(name, value);
    }
    if (from.status == 304 || from.status == 204) return;
    to.set_content(from.body, content_type);
}

HttpResponse auth_refusal(const AuthError& e, AuthErrorShape shape, const std::string& request_id) {
    if (shape == AuthErrorShape::json) {
        HttpResponse r;
        r.status = e.status;
        r.headers["Content-Type"] = "application/x-amz-json-1.1";
        r.headers["x-amzn-RequestId"] = request_id;
        r.headers["x-amzn-ErrorType"] = e.code;
        r.body = nlohmann::json{{"__type", e.code}, {"message", e.message}}.dump();
        return r;
    }
    return detail::query_fault(shape == AuthErrorShape::ec2 ? detail::QueryService::ec2 : detail::QueryService::elbv2,
                               e.status, e.code, e.message, request_id);
}

// The scenario's `http` URL that a request to this server stands for: "/<host><path>" always,
// "<path>" when only one entry has that path. An entry without a query also answers a request
// with one, as a real endpoint ignores parameters it does not know. Empty when none.
std::string http_entry_for(World& world, const std::string& target) {
    return world.with_state([&](const nlohmann::json& state, TimePoint) -> std::string {
        auto http = state.find("http");
        if (http == state.end() || !http->is_object()) return {};
        std::string by_path;
        int path_matches = 0;
        const std::string target_path = target.substr(0, target.find('?'));
        for (const auto& [url, entry] : http->items()) {
            UrlParts u = split_url(url);
            std::string path_and_query = u.path + (u.query.empty() ? "" : "?" + u.query);
            const std::string& asked = u.query.empty() ? target_path : target;
            if (asked == "/" + u.host + path_and_query) return url;
            if (asked == path_and_query) {
                by_path = url;
                ++path_matches;
            }
        }
        return path_matches == 1 ? by_path : std::string();
    });
}

// --record DIR: every exchange as one JSON file, for tests/e2e/botocore_shapes.py, which checks
// requests and answers against botocore's service models. Files are numbered in the order the
// answers were made; DIR/scenario.json says which scenario (and pipelines) they came from.
// Credentials never reach a file: Authorization, security tokens and cookies are left out, and
// so are presigned-URL parameters of a Query form.
class Recorder {
public:
    using Form = std::map<std::string, std::string>;

    static Result<std::unique_ptr<Recorder>> open(const std::string& dir, size_t limit,
                                                  std::function<void(const std::string&)> notice) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec || !std::filesystem::is_directory(dir))
            return Error{"usage", fmt::format("--record: cannot create the directory {}: {}", dir, ec.message()), 0,
                         false, ErrorKind::usage};
        return std::unique_ptr<Recorder>(new Recorder(dir, limit, std::move(notice)));
    }

    void scenario(const Scenario& s, TimePoint now) {
        nlohmann::json pipelines = nlohmann::json::array();
        for (const auto& p : s.pipelines) pipelines.push_back(pipeline_json(p));
        nlohmann::json doc{{"name", s.name},
                           {"title", s.title},
                           {"start", format_iso8601(s.start)},
                           {"served_from", format_iso8601(now)},
                           {"account", s.account},
                           {"pipelines", pipelines},
                           {"expect", s.expect}};
        write_file("scenario.json", doc);
    }

    void record(const httplib::Request& req, std::optional<AuthErrorShape> shape, const HttpResponse& answer) {
        size_t n = next_.fetch_add(1);
        if (n >= limit_) {
            if (n == limit_) say(fmt::format("--record: stopped after {} files in {}", limit_, dir_));
            return;
        }
        const std::string protocol = protocol_of(req, shape);
        const std::string service = scope_service_of(req.get_header_value("Authorization"));
        nlohmann::json request{{"method", req.method}, {"target", req.target.empty() ? req.path : req.target},
                               {"headers", headers_of(req)}, {"body", req.body}};
        std::string operation = req.method + " " + req.path;
        if (protocol == "json") {
            std::string target = req.get_header_value("X-Amz-Target");
            operation = target.substr(target.find('.') == std::string::npos ? 0 : target.find('.') + 1);
        } else if (protocol == "query" || protocol == "ec2") {
            Form form = query_form(req);
            operation = form.count("Action") ? form["Action"] : "";
            request["form"] = form;
            request["target"] = req.path;  // the query string, if any, is in the form
            if (req.method == "POST") request.erase("body");  // the form is the body
        }
        std::string content_type;
        nlohmann::json answer_headers = nlohmann::json::object();
        for (const auto& [name, value] : answer.headers) {
            if (lower(name) == "content-type") content_type = value;
            answer_headers[name] = value;
        }
        nlohmann::json doc{{"service", service}, {"protocol", protocol}, {"operation", operation},
                           {"request", request},
                           {"response", {{"status", answer.transport_failed() ? 0 : answer.status},
                                         {"content_type", content_type},
                                         {"headers", answer_headers},
                                         {"error", answer.error},
                                         {"body", answer.body}}}};
        write_file(fmt::format("{:06}-{}-{}.json", n + 1, safe(service.empty() ? protocol : service), safe(operation)),
                   doc);
    }

private:
    Recorder(std::string dir, size_t limit, std::function<void(const std::string&)> notice)
        : dir_(std::move(dir)), limit_(limit), notice_(std::move(notice)) {}

    static std::string protocol_of(const httplib::Request& req, std::optional<AuthErrorShape> shape) {
        if (!shape) return starts_with(req.path, "/repos/") ? "github" : "http";
        return *shape == AuthErrorShape::json ? "json" : *shape == AuthErrorShape::query ? "query" : "ec2";
    }

    // A Query call's parameters (POST body or query string), less any presigned credentials.
    static Form query_form(const httplib::Request& req) {
        size_t q = req.target.find('?');
        std::string query = q == std::string::npos ? "" : req.target.substr(q + 1);
        Form form = parse_form(req.method == "POST" ? req.body : query);
        for (const char* secret : {"X-Amz-Security-Token", "X-Amz-Signature", "X-Amz-Credential"}) form.erase(secret);
        return form;
    }

    static nlohmann::json pipeline_json(const PipelineSpec& p) {
        nlohmann::json out{
            {"name", p.name}, {"kind", p.kind == PipelineKind::ec2 ? "ec2" : "ecs"}, {"region", p.region}};
        auto put = [&](const char* key, const std::string& value) {
            if (!value.empty()) out[key] = value;
        };
        put("repo", p.repo);
        put("branch", p.branch);
        put("workflow", p.workflow);
        put("codebuild_project", p.codebuild_project);
        put("cluster", p.cluster);
        put("service", p.service);
        if (!p.target_groups.empty()) out["target_group"] = p.target_groups.front();
        put("version_url", p.version_url);
        put("version_json_pointer", p.version_json_pointer);
        put("expect_log", p.expect_log);
        return out;
    }

    static nlohmann::json headers_of(const httplib::Request& req) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [name, value] : req.headers) {
            std::string n = lower(name);
            if (n == "authorization" || n == "proxy-authorization" || n == "x-amz-security-token" || n == "cookie")
                continue;
            // httplib's own entries (LOCAL_ADDR, REMOTE_PORT, ...) were not sent by the client.
            if (n == "local_addr" || n == "local_port" || n == "remote_addr" || n == "remote_port") continue;
            out[name] = value;
        }
        return out;
    }

    static std::string safe(std::string s) {
        for (auto& c : s)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
        return s.substr(0, 60);
    }

    void write_file(const std::string& name, const nlohmann::json& doc) {
        std::ofstream out(std::filesystem::path(dir_) / name, std::ios::binary | std::ios::trunc);
        // Answers are bytes, not always UTF-8 (a damaged body): replaced, not thrown on.
        out << doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        if (!out) say(fmt::format("--record: cannot write {}/{}", dir_, name));
    }

    void say(const std::string& line) {
        if (notice_ && !told_.exchange(true)) notice_(line);
    }

    std::string dir_;
    size_t limit_;
    std::function<void(const std::string&)> notice_;
    std::atomic<size_t> next_ = 0;
    std::atomic<bool> told_ = false;
};

}  // namespace

struct SimServer::Impl {
    httplib::Server server;
    std::function<TimePoint()> wall_clock;
    std::string host;
    int port = 0;
    std::unique_ptr<Recorder> recorder;  // --record; null (and never consulted further) when off

    void handle(SimServer& self, const httplib::Request& req, httplib::Response& res);
    HttpResponse answer_aws(SimServer& self, const httplib::Request& req, HttpRequest request, AuthErrorShape shape);
    HttpResponse answer_github(SimServer& self, HttpRequest request, const std::string& target);
    HttpResponse answer_http(SimServer& self, HttpRequest request, const std::string& target);
    HttpResponse answer_registry(SimServer& self, const httplib::Request& req);
};

namespace {

// /_sim/faults and /_sim/calls: change the faults of a running server, read its counters.
void control(World& world, const httplib::Request& req, httplib::Response& res) {
    auto text = [&](int status, const std::string& body) {
        res.status = status;
        res.set_content(body, "text/plain");
    };
    if (req.path == "/_sim/calls" && req.method == "GET") {
        res.set_content(nlohmann::json(world.call_counts()).dump(2) + "\n", "application/json");
        return;
    }
    if (req.path != "/_sim/faults") return text(404, "control paths: /_sim/faults, /_sim/calls\n");
    if (req.method == "DELETE") {
        world.faults().clear();
        return text(200, "");
    }
    if (req.method == "PUT" || req.method == "POST") {
        std::vector<FaultRule> rules;
        std::istringstream lines(req.body);
        for (std::string line; std::getline(lines, line);) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            auto rule = parse_fault(line);
            if (!rule) return text(400, rule.error().message + "\n");
            rules.push_back(std::move(rule).value());
        }
        if (req.method == "PUT") world.faults().set(std::move(rules));
        else
            for (auto& r : rules) world.faults().add(std::move(r));
    } else if (req.method != "GET") {
        return text(405, "GET, PUT, POST or DELETE\n");
    }
    std::string listing;
    for (const auto& r : world.faults().rules()) listing += r.spec + "\n";
    text(200, listing);
}

// A refused connection cannot be told apart from a dropped one once the server has accepted it:
// the status line goes out, then the connection closes before the promised body.
void drop_connection(httplib::Response& res) {
    res.status = 200;
    res.set_content_provider(
        1024, "application/octet-stream", [](size_t, size_t, httplib::DataSink&) { return false; }, nullptr);
}

}  // namespace

void SimServer::Impl::handle(SimServer& self, const httplib::Request& req, httplib::Response& res) {
    if (starts_with(req.path, "/_sim/")) return control(self.world(), req, res);
    if (starts_with(req.path, "/registry/")) {
        HttpResponse answer = answer_registry(self, req);
        if (answer.transport_failed()) return drop_connection(res);
        return write(answer, res);
    }
    HttpRequest request;
    request.method = req.method;
    request.body = req.body;
    for (const auto& [name, value] : req.headers) request.headers[name] = value;  // last of duplicates wins
    std::string target = req.target.empty() ? req.path : req.target;
    std::string host_header = req.get_header_value("Host");
    request.url = "http://" + (host_header.empty() ? fmt::format("{}:{}", host, port) : host_header) + target;

    const std::string authorization = req.get_header_value("Authorization");
    const bool sigv4 = starts_with(authorization, "AWS4-");
    // AWS-shaped: signed with SigV4, or an X-Amz-Target / Action= call (refused when unsigned).
    std::optional<AuthErrorShape> shape;
    if (sigv4 || !starts_with(target, "/repos/"))
        shape = aws_shape(req, sigv4, sigv4 ? scope_service_of(authorization) : std::string());
    HttpResponse answer = shape                              ? answer_aws(self, req, std::move(request), *shape)
                          : starts_with(target, "/repos/") ? answer_github(self, std::move(request), target)
                                                           : answer_http(self, std::move(request), target);
    if (recorder) recorder->record(req, shape, answer);
    if (answer.transport_failed()) return drop_connection(res);  // an injected `refuse`
    write(answer, res);
}

HttpResponse SimServer::Impl::answer_aws(SimServer& self, const httplib::Request& req, HttpRequest request,
                                         AuthErrorShape shape) {
    SignedRequest signed_request;
    signed_request.method = req.method;
    std::string target = req.target.empty() ? req.path : req.target;
    size_t q = target.find('?');
    signed_request.path = target.substr(0, q);
    if (q != std::string::npos) signed_request.query = target.substr(q + 1);
    signed_request.headers.assign(req.headers.begin(), req.headers.end());
    signed_request.body = req.body;
    const Scenario& scenario = self.world().scenario();
    auto secrets = [&](const std::string& id) -> std::optional<std::string> {
        if (id == scenario.access_key_id) return scenario.secret_access_key;
        return std::nullopt;
    };
    VerifyOptions options;
    options.now = wall_clock();
    Verification v = verify_sigv4(signed_request, secrets, options);
    if (!v.ok()) return auth_refusal(auth_error(v, shape, options.now), shape, self.world().next_request_id());

    // Routed by the credential scope: the URL's host is this server, not an AWS host.
    request.aws_region = v.scope.region;
    request.aws_service = v.scope.service;
    HttpResponse answer = self.transport_->send(request);
    if (answer.transport_failed() && !detail::json_service_by_signing_name(v.scope.service) &&
        v.scope.service != "elasticloadbalancing" && v.scope.service != "ec2") {  // a service the simulator does not serve
        AuthError unknown{400, shape == AuthErrorShape::json ? "UnknownOperationException" : "InvalidAction",
                          fmt::format("the simulator does not serve the service '{}'", v.scope.service)};
        return auth_refusal(unknown, shape, self.world().next_request_id());
    }
    return answer;
}

// /registry/<host>/<rest>: registry <host> as its own API host would answer <rest>, with the
// token realm of its challenges leading back here, as `registry_endpoints()` maps it.
HttpResponse SimServer::Impl::answer_registry(SimServer& self, const httplib::Request& req) {
    std::string target = req.target.empty() ? req.path : req.target;
    std::string rest = target.substr(std::string_view("/registry/").size());
    size_t slash = rest.find('/');
    std::string host = rest.substr(0, slash);
    std::string api_host = host == "docker.io" ? "registry-1.docker.io" : host;
    HttpRequest request;
    request.method = req.method;
    request.body = req.body;
    for (const auto& [name, value] : req.headers) request.headers[name] = value;
    request.url = "https://" + api_host + (slash == std::string::npos ? "/" : rest.substr(slash));
    HttpResponse answer = self.transport_->send(request);
    if (auto challenge = answer.headers.find("WWW-Authenticate"); challenge != answer.headers.end()) {
        const std::string origin = "https://" + api_host;
        std::string value = challenge->second;
        if (size_t at = value.find(origin); at != std::string::npos)
            value.replace(at, origin.size(), self.base_url() + "/registry/" + host);
        challenge->second = value;
    }
    return answer;
}

HttpResponse SimServer::Impl::answer_github(SimServer& self, HttpRequest request, const std::string& target) {
    request.url = std::string(kGithubOrigin) + target;
    HttpResponse answer = self.transport_->send(request);
    // Paging links must lead back here, not to the real GitHub.
    if (auto link = answer.headers.find("Link"); link != answer.headers.end()) {
        std::string value = link->second;
        for (size_t at; (at = value.find(kGithubOrigin)) != std::string::npos;)
            value.replace(at, kGithubOrigin.size(), self.base_url());
        link->second = value;
    }
    return answer;
}

HttpResponse SimServer::Impl::answer_http(SimServer& self, HttpRequest request, const std::string& target) {
    std::string entry = http_entry_for(self.world(), target);
    HttpResponse answer;
    if (entry.empty()) {
        answer.status = 404;
        answer.headers["Content-Type"] = "text/plain";
        answer.body = "404 page not found\n";
        return answer;
    }
    request.url = entry;
    answer = self.transport_->send(request);
    if (answer.transport_failed() && answer.error != kRefusedBySim) {
        // The scenario says this endpoint is unreachable; over HTTP the nearest is a gateway error.
        HttpResponse gateway;
        gateway.status = 502;
        gateway.headers["Content-Type"] = "text/plain";
        gateway.headers["X-Shipwatch-Sim-Unreachable"] = answer.error;
        gateway.body = answer.error + "\n";
        return gateway;
    }
    return answer;
}

Result<std::unique_ptr<SimServer>> SimServer::create(const std::string& scenario_name, SimServerOptions options) {
    auto scenario = load_scenario(scenario_name);
    if (!scenario) return scenario.error();
    return create(std::move(scenario).value(), std::move(options));
}

Result<std::unique_ptr<SimServer>> SimServer::create(Scenario scenario, SimServerOptions options) {
    std::unique_ptr<SimServer> s(new SimServer());
    s->clock_ = std::make_unique<ScaledClock>(scenario.start + options.offset, options.speed);
    s->world_ = std::make_shared<World>(std::move(scenario), *s->clock_);
    if (options.throttle_first > 0) {
        FaultRule throttle;
        throttle.pattern = "aws";
        throttle.kind = FaultKind::throttle;
        throttle.first = options.throttle_first;
        throttle.spec = fmt::format("aws=throttle,first={}", options.throttle_first);
        s->world_->faults().add(throttle);
    }
    for (const auto& rule : options.faults) s->world_->faults().add(rule);
    return listen(std::move(s), options);
}

Result<std::unique_ptr<SimServer>> SimServer::create_sharing(SimServer& other, SimServerOptions options) {
    std::unique_ptr<SimServer> s(new SimServer());
    s->world_ = other.world_;
    return listen(std::move(s), options);
}

Result<std::unique_ptr<SimServer>> SimServer::listen(std::unique_ptr<SimServer> s, const SimServerOptions& options) {
    s->transport_ = std::make_unique<SimTransport>(s->world_);
    s->impl_ = std::make_unique<Impl>();
    Impl& impl = *s->impl_;
    impl.wall_clock = options.wall_clock ? options.wall_clock
                                         : [] { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); };
    impl.host = options.host;
    if (!options.record_dir.empty()) {
        auto recorder = Recorder::open(options.record_dir, options.record_limit, options.notice);
        if (!recorder) return recorder.error();
        impl.recorder = std::move(recorder).value();
        impl.recorder->scenario(s->world_->scenario(), s->world_->now());
    }
    int threads = std::max(1, options.threads);
    impl.server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    impl.server.set_keep_alive_timeout(1);
    SimServer* self = s.get();
    auto handler = [self](const httplib::Request& req, httplib::Response& res) { self->impl_->handle(*self, req, res); };
    impl.server.Get(".*", handler);
    impl.server.Post(".*", handler);
    impl.server.Put(".*", handler);
    impl.server.Patch(".*", handler);
    impl.server.Delete(".*", handler);
    impl.server.Options(".*", handler);
    impl.server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        res.status = 500;
        res.set_content(nlohmann::json{{"__type", "InternalFailure"}, {"message", "simulator fault: " + what}}.dump(),
                        "application/json");
    });

    // httplib's default also sets SO_REUSEPORT, which lets a second `shipwatch sim` share a busy
    // port and take half its requests; a taken port must be an error instead.
    impl.server.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
    });
    int port = options.port == 0 ? impl.server.bind_to_any_port(options.host)
                                 : (impl.server.bind_to_port(options.host, options.port) ? options.port : -1);
    if (port <= 0)
        return Error{"usage", fmt::format("cannot listen on {}:{}: {}", options.host, options.port,
                                             options.port == 0 ? "no free port" : "address in use or not local"),
                        0, false, ErrorKind::usage};
    s->port_ = port;
    impl.port = port;
    return s;
}

SimServer::~SimServer() {
    if (impl_) impl_->server.stop();
}

std::string SimServer::base_url() const { return fmt::format("http://{}:{}", impl_->host, port_); }

std::vector<std::pair<std::string, std::string>> SimServer::registry_endpoints() const {
    std::vector<std::pair<std::string, std::string>> out;
    world_->with_state([&](const nlohmann::json& state, TimePoint) {
        auto registries = state.find("registries");
        if (registries == state.end() || !registries->is_object()) return 0;
        for (const auto& [host, registry] : registries->items()) out.emplace_back(host, base_url() + "/registry/" + host);
        return 0;
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> SimServer::version_urls() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : world_->scenario().pipelines) {
        if (p.version_url.empty()) continue;
        UrlParts u = split_url(p.version_url);
        std::string path_and_query = u.path + (u.query.empty() ? "" : "?" + u.query);
        out.emplace_back(p.version_url, base_url() + "/" + u.host + path_and_query);
    }
    return out;
}

void SimServer::run() { impl_->server.listen_after_bind(); }

void SimServer::stop() { impl_->server.stop(); }

bool SimServer::running() const { return impl_->server.is_running(); }

}  // namespace shipwatch::sim
