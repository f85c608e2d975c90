// The real-network Transport: libcurl with connection reuse, time-outs, gzip, a User-Agent,
// proxies from the environment (http_proxy, https_proxy, no_proxy), SigV4 signing by libcurl
// itself (CURLOPT_AWS_SIGV4) for requests that carry an AWS signing scope, and cancellation.
#pragma once

#include <memory>
#include <stop_token>
#include <string>

#include "http/signing_keys.hpp"
#include "http/transport.hpp"
#include "model/time.hpp"

namespace shipwatch {

struct CurlOptions {
    Duration connect_timeout = std::chrono::seconds(5);
    Duration total_timeout = std::chrono::seconds(30);
    std::string user_agent;  // empty: "shipwatch/<version>"
    // false: never use a proxy (CURLOPT_NOPROXY "*"), for the link-local metadata services.
    bool proxy_from_environment = true;
    std::string ca_bundle;  // a CA file (AWS_CA_BUNDLE); empty: the system store
    long max_redirects = 5;  // followed for unsigned requests only
    // A transfer under way ends at once when stop is requested, in any phase (DNS, connect, TLS,
    // waiting for the answer, mid-body), and its request answers LocalFailure::cancelled: each
    // transfer runs through curl's multi interface, whose poll the stop wakes (curl_multi_wakeup).
    std::stop_token stop;
    // The bytes every transfer under way may hold together; null: the process-wide budget.
    BytesInFlight* in_flight = nullptr;
};

std::string default_user_agent();

class CurlTransport final : public Transport {
public:
    // `keys` sign requests with an AWS scope; without them such requests fail locally
    // (LocalFailure::no_credentials). Keys the answer's reading calls refused are handed back
    // to `keys`, so the retry layer's next attempt signs with fresh ones.
    explicit CurlTransport(CurlOptions options = {}, std::shared_ptr<SigningKeys> keys = nullptr);
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    HttpResponse send(const HttpRequest& request) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shipwatch
