#include "http/curl_transport.hpp"

#include <array>
#include <mutex>
#include <optional>
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

// An answer larger than this is not an API answer shipwatch reads; stop rather than fill memory.
constexpr size_t kMaxBody = 64u << 20;
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

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    size_t n = size * count;
    if (body->size() + n > kMaxBody) return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    body->append(data, n);
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

// Called by libcurl during a transfer (about once a second when idle); non-zero aborts it
// with CURLE_ABORTED_BY_CALLBACK.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
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

}  // namespace

std::string default_user_agent() { return std::string("shipwatch/") + SHIPWATCH_VERSION; }

struct CurlTransport::Impl {
    CurlOptions options;
    std::shared_ptr<SigningKeys> keys;

    // DNS answers and TLS sessions are shared by every handle; connections live in each pooled
    // handle, which a later request reuses (libcurl does not support sharing a connection cache
    // between handles running in different threads at once).
    CURLSH* share = nullptr;
    std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;

    std::mutex pool_mutex;
    std::vector<CURL*> idle;

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
        for (CURL* handle : idle) curl_easy_cleanup(handle);
        if (share) curl_share_cleanup(share);
    }

    CURL* acquire() {
        {
            std::lock_guard lock(pool_mutex);
            if (!idle.empty()) {
                CURL* handle = idle.back();  // the most recently used has the warmest connections
                idle.pop_back();
                return handle;
            }
        }
        return curl_easy_init();
    }

    void release(CURL* handle) {
        std::lock_guard lock(pool_mutex);
        if (idle.size() < kMaxIdleHandles) {
            idle.push_back(handle);
            return;
        }
        curl_easy_cleanup(handle);
    }

    HttpResponse send(const HttpRequest& request);
    HttpResponse perform(CURL* curl, const HttpRequest& request, const SigningKey* creds);
};

HttpResponse CurlTransport::Impl::send(const HttpRequest& request) {
    if (options.stop.stop_requested()) return cancelled_response();
    std::optional<SigningKey> creds;
    if (!request.aws_service.empty()) {
        if (!keys) return failure("no AWS credentials provider configured", LocalFailure::no_credentials);
        auto resolved = keys->keys();
        if (!resolved) return failure(resolved.error().message, LocalFailure::no_credentials);
        creds = std::move(resolved).value();
        if (request.aws_region.empty())
            return failure("no AWS region for " + request.aws_service + " request", LocalFailure::no_region);
    }
    CURL* curl = acquire();
    if (curl == nullptr) return failure("libcurl could not create a handle", LocalFailure::not_sent);
    HttpResponse response = perform(curl, request, creds ? &*creds : nullptr);
    release(curl);
    if (creds && keys_refused(request, response)) {
        // Tell the keys' owner; the retry layer's next attempt then signs with whatever it resolves.
        keys->refused(*creds);
    }
    return response;
}

HttpResponse CurlTransport::Impl::perform(CURL* curl, const HttpRequest& request, const SigningKey* creds) {
    // Reset drops every option of the previous request but keeps live connections and caches.
    curl_easy_reset(curl);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    HttpResponse response;

    if (share) curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // several threads; time-outs must not use signals
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl can decode (gzip)
    curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    // libcurl reads http_proxy/https_proxy/no_proxy itself unless told otherwise.
    if (!options.proxy_from_environment) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (!options.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_bundle.c_str());

    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &options.stop);

    Slist headers;
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
    }

    std::string scope;
    if (creds) {
        // Added before signing, so it is signed like the headers the caller set.
        if (!creds->session_token.empty()) ok = ok && append(headers, "X-Amz-Security-Token: " + creds->session_token);
        scope = "aws:amz:" + request.aws_region + ":" + request.aws_service;
        curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, scope.c_str());
        curl_easy_setopt(curl, CURLOPT_USERNAME, creds->access_key_id.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, creds->secret_access_key.c_str());
    } else {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, options.max_redirects);
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    }
    if (!ok) return failure("out of memory building request headers", LocalFailure::not_sent);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

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

    CURLcode code = curl_easy_perform(curl);
    // The handle keeps pointers to our buffers; drop them before they go out of scope.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    if (code != CURLE_OK) {
        std::string message = error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
        if (code == CURLE_ABORTED_BY_CALLBACK) return cancelled_response();  // only on_progress aborts
        if (code == CURLE_WRITE_ERROR)  // only on_body refuses data
            return failure("answer larger than " + std::to_string(kMaxBody >> 20) + " MiB",
                           LocalFailure::answer_too_large);
        return failure(message);
    }
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
