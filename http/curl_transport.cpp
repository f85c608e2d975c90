#include "http/curl_transport.hpp"

#include <array>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <curl/curl.h>

#ifndef SHIPWATCH_VERSION
#define SHIPWATCH_VERSION "0.1.0"
#endif

namespace shipwatch {
namespace {

// Only the source's protocol can tell an answer that refuses the keys (AWS: ExpiredToken).
bool keys_refused(const HttpRequest& request, const HttpResponse& response) {
    if (response.status < 400 || request.read_answer == nullptr) return false;
    return request.read_answer(response).keys_refused;
}

constexpr size_t kMaxIdleHandles = 16;

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return std::string(s.substr(b, e - b));
}

// Where an answer's body goes: within its request's bound and the bytes-in-flight budget, whose
// bytes it gives back when the transfer ends. Past either it stops rather than fill memory.
struct BodySink {
    std::string* body = nullptr;
    size_t max_bytes = 0;
    BytesInFlight* in_flight = nullptr;
    size_t taken = 0;
    std::optional<LocalFailure> refused;  // why on_body stopped the transfer

    BodySink(std::string* b, size_t max, BytesInFlight* budget) : body(b), max_bytes(max), in_flight(budget) {}
    BodySink(const BodySink&) = delete;
    BodySink& operator=(const BodySink&) = delete;
    ~BodySink() { in_flight->give_back(taken); }
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    size_t n = size * count;
    // Returning less than n aborts the transfer with CURLE_WRITE_ERROR.
    if (n > sink->max_bytes - sink->body->size()) {
        sink->refused = LocalFailure::answer_too_large;
        return 0;
    }
    if (!sink->in_flight->take(n)) {
        sink->refused = LocalFailure::too_many_bytes_in_flight;
        return 0;
    }
    sink->taken += n;
    sink->body->append(data, n);
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<Headers*>(user);
    size_t n = size * count;
    std::string_view line(data, n);
    // Each response (a redirect, a 100 Continue) starts with a status line: keep the last one's.
    if (line.starts_with("HTTP/")) {
        headers->clear();
        return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = trim(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (name.empty()) return n;
    auto [it, inserted] = headers->emplace(name, value);
    if (!inserted) it->second += ", " + value;  // repeated headers fold into one list, as RFC 9110 allows
    return n;
}

struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool append(Slist& list, const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) return false;
    list.release();
    list.reset(next);
    return true;
}

HttpResponse failure(std::string message, LocalFailure local) {
    HttpResponse response;
    response.error = std::move(message);
    response.local_failure = local;
    return response;
}

HttpResponse failure(std::string message) {
    HttpResponse response;
    response.error = std::move(message);
    return response;
}

// One pooled transfer slot: an easy handle and the multi handle that drives it. The multi
// handle owns the connection cache, so the pair keeps its connections from one request to the next.
class Handle {
public:
    static Handle make() {
        Handle handle;
        handle.easy_ = curl_easy_init();
        handle.multi_ = curl_multi_init();
        return handle;
    }
    Handle() = default;
    Handle(Handle&& other) noexcept
        : easy_(std::exchange(other.easy_, nullptr)), multi_(std::exchange(other.multi_, nullptr)) {}
    Handle& operator=(Handle&& other) noexcept {
        std::swap(easy_, other.easy_);
        std::swap(multi_, other.multi_);
        return *this;
    }
    ~Handle() {
        if (easy_) curl_easy_cleanup(easy_);  // never inside the multi handle between transfers
        if (multi_) curl_multi_cleanup(multi_);  // closes the cached connections
    }
    explicit operator bool() const { return easy_ != nullptr && multi_ != nullptr; }
    CURL* easy() const { return easy_; }
    CURLM* multi() const { return multi_; }

private:
    CURL* easy_ = nullptr;
    CURLM* multi_ = nullptr;
};

// How a transfer driven through the multi interface ended.
struct Outcome {
    bool cancelled = false;
    CURLcode code = CURLE_OK;
    std::string multi_error;  // the multi interface itself failed (out of memory, a bad handle)
};

Outcome multi_failed(CURLMcode code) { return {false, CURLE_FAILED_INIT, curl_multi_strerror(code)}; }

// The result curl reports for the one transfer of `multi` once it is done.
Outcome finished(CURLM* multi) {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left))
        if (message->msg == CURLMSG_DONE) return {false, message->data.result, {}};
    return {false, CURLE_FAILED_INIT, "libcurl ended the transfer without a result"};
}

// Upper bound of one poll; curl_multi_poll wakes sooner for the sockets, curl's own timers
// (time-outs) and curl_multi_wakeup.
constexpr int kPollMs = 1000;

// Runs the transfer in `multi` to its end, or until stop is requested: the stop callback wakes
// curl_multi_poll from the requesting thread (curl_multi_wakeup is the one multi call that may
// come from another thread), so a wait for DNS, a connect, a TLS handshake or an answer ends at once.
Outcome run_until_done(CURLM* multi, const std::stop_token& stop) {
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    while (!stop.stop_requested()) {
        int running = 0;
        if (CURLMcode code = curl_multi_perform(multi, &running); code != CURLM_OK) return multi_failed(code);
        if (running == 0) return finished(multi);
        if (CURLMcode code = curl_multi_poll(multi, nullptr, 0, kPollMs, nullptr); code != CURLM_OK)
            return multi_failed(code);
    }
    return {true, CURLE_ABORTED_BY_CALLBACK, {}};
}

Outcome drive(Handle& handle, const std::stop_token& stop) {
    if (CURLMcode code = curl_multi_add_handle(handle.multi(), handle.easy()); code != CURLM_OK)
        return multi_failed(code);
    Outcome outcome = run_until_done(handle.multi(), stop);
    // An unfinished (cancelled) transfer's connection is closed here, never reused half-read.
    curl_multi_remove_handle(handle.multi(), handle.easy());
    return outcome;
}

}  // namespace

std::string default_user_agent() { return std::string("shipwatch/") + SHIPWATCH_VERSION; }

struct CurlTransport::Impl {
    CurlOptions options;
    std::shared_ptr<SigningKeys> keys;

    // DNS answers and TLS sessions are shared by every handle. Each transfer runs on a pooled
    // easy handle inside its own multi handle, which owns the connection cache: a later request
    // on that pair reuses its connections (libcurl does not support sharing a connection cache
    // between handles running in different threads at once).
    CURLSH* share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

    std::mutex pool_mutex;
    std::vector<Handle> idle;

    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
        static_cast<Impl*>(user)->share_locks[data].lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->share_locks[data].unlock(); }

    Impl(CurlOptions o, std::shared_ptr<SigningKeys> k) : options(std::move(o)), keys(std::move(k)) {
        global_init();
        if (options.user_agent.empty()) options.user_agent = default_user_agent();
        share = curl_share_init();
        if (share) {
            curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock);
            curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock);
            curl_share_setopt(share, CURLSHOPT_USERDATA, this);
            curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
            curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        }
    }

    ~Impl() {
        idle.clear();  // before the share they use
        if (share) curl_share_cleanup(share);
    }

    Handle acquire() {
        {
            std::lock_guard lock(pool_mutex);
            if (!idle.empty()) {
                Handle handle = std::move(idle.back());  // the most recently used has the warmest connections
                idle.pop_back();
                return handle;
            }
        }
        return Handle::make();
    }

    void release(Handle handle) {
        std::lock_guard lock(pool_mutex);
        if (idle.size() < kMaxIdleHandles) idle.push_back(std::move(handle));
    }

    HttpResponse send(const HttpRequest& request);
    HttpResponse perform(Handle& handle, const HttpRequest& request, const SigningKey* creds);
    void set_common_options(CURL* curl, HttpResponse& response, BodySink& sink, char* error_buffer);
};

HttpResponse CurlTransport::Impl::send(const HttpRequest& request) {
    if (options.stop.stop_requested()) return cancelled_response();
    std::optional<SigningKey> creds;
    if (!request.aws_service.empty()) {
        if (!keys) return failure("no AWS credentials provider configured", LocalFailure::no_credentials);
        auto resolved = keys->keys();
        // Resolving may have waited for a credential_process or a metadata service that the stop ended.
        if (!resolved && options.stop.stop_requested()) return cancelled_response();
        if (!resolved) return failure(resolved.error().message, LocalFailure::no_credentials);
        creds = std::move(resolved).value();
        if (request.aws_region.empty())
            return failure("no AWS region for " + request.aws_service + " request", LocalFailure::no_region);
    }
    Handle handle = acquire();
    if (!handle) return failure("libcurl could not create a handle", LocalFailure::not_sent);
    HttpResponse response = perform(handle, request, creds ? &*creds : nullptr);
    release(std::move(handle));
    if (creds && keys_refused(request, response)) {
        // Tell the keys' owner; the retry layer's next attempt then signs with whatever it resolves.
        keys->refused(*creds);
    }
    return response;
}

void CurlTransport::Impl::set_common_options(CURL* curl, HttpResponse& response, BodySink& sink, char* error_buffer) {
    if (share) curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // several threads; time-outs must not use signals
    // A cancelled transfer leaves a stuck DNS lookup's thread to finish alone instead of joining it.
    curl_easy_setopt(curl, CURLOPT_QUICK_EXIT, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode (gzip)
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    // libcurl reads http_proxy/https_proxy/no_proxy itself unless told otherwise.
    if (!options.proxy_from_environment) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (!options.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_bundle.c_str());

    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
}

namespace {

// The caller's headers, and for a signed request its security token and SigV4 scope (`scope`
// must outlive the transfer: libcurl keeps the pointer). False: out of memory.
bool set_headers_and_signing(CURL* curl, const HttpRequest& request, const SigningKey* creds, long max_redirects,
                             Slist& headers, std::string& scope) {
    bool ok = true;
    for (const auto& [name, value] : request.headers)
        ok = ok && append(headers, value.empty() ? name + ";" : name + ": " + value);  // "Name;" sends it empty
    if (!creds) {
        // Header-removal entries, only on unsigned requests: curl 7.88's SigV4 signs them as
        // empty headers that are never sent. No "Expect: 100-continue" round trip before larger
        // bodies, and no form Content-Type the caller did not ask for.
        ok = ok && append(headers, "Expect:");
        if (request.method != "GET" && request.method != "HEAD" && !request.headers.count("Content-Type"))
            ok = ok && append(headers, "Content-Type:");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, max_redirects);
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        return ok;
    }
    // Added before signing, so it is signed like the headers the caller set.
    if (!creds->session_token.empty()) ok = ok && append(headers, "X-Amz-Security-Token: " + creds->session_token);
    scope = "aws:amz:" + request.aws_region + ":" + request.aws_service;
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, scope.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, creds->access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, creds->secret_access_key.c_str());
    return ok;
}

void set_method(CURL* curl, const HttpRequest& request) {
    if (request.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "POST") {
        // The body goes in POSTFIELDS so libcurl hashes it into the SigV4 payload hash.
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    } else {
        // PUT and friends with POSTFIELDS, so even an empty body goes out with Content-Length: 0
        // (IMDSv2's token PUT has none, and some servers refuse a PUT without a length).
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }
}

HttpResponse failed_transfer(const HttpRequest& request, const Outcome& outcome, const BodySink& sink,
                             const char* error_buffer) {
    if (outcome.cancelled) return cancelled_response();
    if (!outcome.multi_error.empty()) return failure("libcurl: " + outcome.multi_error, LocalFailure::not_sent);
    if (outcome.code == CURLE_WRITE_ERROR && sink.refused == LocalFailure::answer_too_large)
        return too_large_response(request);
    if (outcome.code == CURLE_WRITE_ERROR && sink.refused == LocalFailure::too_many_bytes_in_flight)
        return failure("answers being received passed " + byte_size_text(sink.in_flight->limit()) + " together",
                       LocalFailure::too_many_bytes_in_flight);
    return failure(error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(outcome.code)));
}

}  // namespace

HttpResponse CurlTransport::Impl::perform(Handle& handle, const HttpRequest& request, const SigningKey* creds) {
    CURL* curl = handle.easy();
    // Reset drops every option of the previous request; the connections stay in the multi handle.
    curl_easy_reset(curl);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    HttpResponse response;
    BodySink sink(&response.body, request.max_answer_bytes,
                  options.in_flight ? options.in_flight : &BytesInFlight::process());
    set_common_options(curl, response, sink, error_buffer);
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    Slist headers;
    std::string scope;
    if (!set_headers_and_signing(curl, request, creds, options.max_redirects, headers, scope)) {
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
        return failure("out of memory building request headers", LocalFailure::not_sent);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    set_method(curl, request);

    Outcome outcome = drive(handle, options.stop);
    // The handle keeps pointers to our buffers; drop them before they go out of scope.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    if (outcome.cancelled || outcome.code != CURLE_OK) return failed_transfer(request, outcome, sink, error_buffer);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    if (response.status == 0) return failure("no HTTP status in the answer");
    return response;
}

CurlTransport::CurlTransport(CurlOptions options, std::shared_ptr<SigningKeys> keys)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(keys))) {}

CurlTransport::~CurlTransport() = default;

HttpResponse CurlTransport::send(const HttpRequest& request) {
    try {
        return impl_->send(request);
    } catch (const std::exception& e) {
        return failure(std::string("request failed: ") + e.what(), LocalFailure::not_sent);
    } catch (...) {
        return failure("request failed", LocalFailure::not_sent);
    }
}

}  // namespace shipwatch
