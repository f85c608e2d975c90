// A Transport for client tests: records every request and answers from a script (a queue of
// canned responses, or a function of the request), so request building and parsing are tested
// without a network.
#pragma once

#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "http/transport.hpp"

namespace shipwatch::testing {

// A recorded body from tests/data, e.g. data_file("aws/ecs_describe_services.json").
inline std::string data_file(const std::string& relative) {
    std::ifstream in(std::string(SHIPWATCH_TEST_DATA) + "/" + relative, std::ios::binary);
    if (!in) throw std::runtime_error("missing test data file " + relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline HttpResponse response(int status, std::string body, Headers headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

class ScriptedTransport final : public Transport {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    void push(HttpResponse r) { queue_.push_back(std::move(r)); }
    void push(int status, std::string body, Headers headers = {}) {
        push(response(status, std::move(body), std::move(headers)));
    }
    // Answers every request not covered by the queue.
    void on_request(Handler handler) { handler_ = std::move(handler); }

    HttpResponse send(const HttpRequest& request) override {
        std::lock_guard lock(mutex_);
        requests.push_back(request);
        if (!queue_.empty()) {
            HttpResponse r = std::move(queue_.front());
            queue_.pop_front();
            return r;
        }
        if (handler_) return handler_(request);
        HttpResponse none;
        none.error = "no scripted response for request #" + std::to_string(requests.size());
        return none;
    }

    std::vector<HttpRequest> requests;

private:
    std::mutex mutex_;
    std::deque<HttpResponse> queue_;
    Handler handler_;
};

}  // namespace shipwatch::testing
