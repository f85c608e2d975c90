#include "engine/remote_pictures.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "http/event_stream.hpp"
#include "model/analysis.hpp"
#include "sources/bounded_json.hpp"
#include "wire/wire.hpp"

namespace shipwatch {
namespace {

// A frame carries a whole fleet: its bounds are the fleet's, not one API page's.
constexpr size_t kMaxFrameArrayElements = wire::kMaxFrameEntries;
constexpr size_t kMaxFrameValues = 50'000'000;

TimePoint wall_now() { return SystemClock().now(); }

// Refusals that asking again will not change: a wrong token, a wrong URL, not a shipwatch server.
bool refused_for_good(const std::string& why) {
    for (const char* s : {"HTTP 401", "HTTP 403", "HTTP 404", "instead of an event stream"})
        if (why.find(s) != std::string::npos) return true;
    return false;
}

}  // namespace

RemotePictures::RemotePictures(RemoteOptions options)
    : options_(std::move(options)), event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
    auto first = std::make_shared<Picture>();
    first->context = fmt::format("server {} (connecting)", options_.url);
    picture_ = std::move(first);
}

RemotePictures::~RemotePictures() {
    stop();
    if (event_fd_ >= 0) close(event_fd_);
}

void RemotePictures::start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void RemotePictures::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    changed_.notify_all();
    thread_.join();
}

void RemotePictures::run(std::stop_token stop) {
    Duration backoff = options_.backoff_min;
    while (!stop.stop_requested()) {
        EventStreamOptions eo;
        eo.url = options_.url + "/api/v1/events";
        eo.idle_timeout = options_.idle_timeout;
        eo.ca_bundle = options_.ca_bundle;
        eo.stop = stop;
        if (!options_.token.empty()) eo.headers["Authorization"] = "Bearer " + options_.token;
        {
            std::lock_guard lock(mutex_);
            if (!last_event_id_.empty()) eo.headers["Last-Event-ID"] = last_event_id_;
        }
        bool heard = false;
        auto why = read_event_stream(eo, [&](StreamEvent&& e) {
            heard = true;
            on_frame(e.event, e.data);
            std::lock_guard lock(mutex_);
            if (!e.id.empty()) last_event_id_ = e.id;
        });
        if (!why) break;  // stopped
        lost(*why);
        if (heard) backoff = options_.backoff_min;
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, stop, backoff, [this] { return reconnect_now_; });
        reconnect_now_ = false;
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
}

void RemotePictures::on_frame(const std::string& kind, const std::string& data) {
    if (kind != "full" && kind != "delta") return;  // a later server's other events
    BoundedJson parsed = parse_bounded_json(data, kMaxFrameArrayElements, kMaxFrameValues);
    auto frame = parsed.problem.empty() ? wire::decode_frame(parsed.value)
                                        : Result<wire::Frame>(error_of(ErrorKind::parse, "parse", parsed.problem));
    std::lock_guard lock(mutex_);
    if (!frame) {
        // The state may now miss a change: the next connection asks for a full frame.
        logging::logger().warn("server {}: a frame was refused: {}", options_.url, frame.error().message);
        last_event_id_.clear();
        return;
    }
    wire::Frame& f = frame.value();
    bool was_lost = lost_.has_value();
    lost_.reset();
    lost_since_.reset();
    refused_.reset();
    last_heard_ = wall_now();
    world_rate_ = f.world_rate > 0 ? f.world_rate : 1.0;
    const auto received = std::chrono::steady_clock::now();
    server_sources_ = std::move(f.sources);
    server_context_ = std::move(f.context);
    if (kind == "full") {
        pipelines_.clear();
        by_name_.clear();
    }
    for (auto& p : f.pipelines) {
        auto [at, fresh] = by_name_.try_emplace(p.name, pipelines_.size());
        if (fresh) pipelines_.push_back(Pipeline{p.name});
        Pipeline& q = pipelines_[at->second];
        q.refreshing = p.refreshing;
        q.snapshot = std::move(p.snapshot);
        q.received = received;
        if (!was_lost) q.analysis = judge(q);
    }
    if (was_lost)  // what did not change since still shows the loss: every pipeline judged again
        for (auto& q : pipelines_) q.analysis = judge(q);
    whole_ = std::all_of(pipelines_.begin(), pipelines_.end(), [](const Pipeline& p) { return p.snapshot.has_value(); });
    publish();
}

void RemotePictures::lost(const std::string& why) {
    std::lock_guard lock(mutex_);
    logging::logger().info("server {}: {}", options_.url, why);
    if (!lost_since_) lost_since_ = wall_now();
    lost_ = why;
    if (refused_for_good(why)) refused_ = fmt::format("server {}: {}", options_.url, why);
    for (auto& p : pipelines_) p.analysis = judge(p);
    publish();
}

std::shared_ptr<const PipelineAnalysis> RemotePictures::judge(const Pipeline& pipeline) const {
    if (!pipeline.snapshot) return nullptr;
    PipelineSnapshot s = *pipeline.snapshot;
    auto since = std::chrono::steady_clock::now() - pipeline.received;
    s.now += std::chrono::duration_cast<Duration>(since * world_rate_);
    if (lost_) {
        // Nothing it showed is evidence any more: every part fails with the loss, its data kept.
        std::string message = fmt::format("shipwatch server {} unreachable: {}", options_.url, *lost_);
        for_each_part(s, [&](Part part, auto& fetched) {
            if (!fetched.configured) return;
            fetched.error = FetchError{source_of(part, s.spec), "", message, s.now};
        });
    }
    return std::make_shared<const PipelineAnalysis>(analyze(std::move(s)));
}

void RemotePictures::publish() {
    auto p = std::make_shared<Picture>();
    for (const auto& q : pipelines_) p->pipelines.push_back({q.name, q.analysis, q.refreshing});
    p->sources = server_sources_;
    SourceState server;
    server.name = "server " + options_.url;
    server.state = lost_ ? SourceState::State::failing : SourceState::State::ok;
    server.last_success = last_heard_;
    server.failing_since = lost_since_;
    server.error = lost_.value_or("");
    p->sources.insert(p->sources.begin(), std::move(server));
    p->context = server_context_.empty() ? fmt::format("server {}", options_.url)
                                         : fmt::format("{} · via {}", server_context_, options_.url);
    p->generation = ++generation_;
    picture_ = std::move(p);
    changed_.notify_all();
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(notify_fd(), &one, sizeof one);
}

std::optional<std::string> RemotePictures::wait_whole(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, until, [this] { return whole_ || refused_.has_value(); });
    if (whole_) return std::nullopt;
    if (refused_) return refused_;
    if (lost_) return fmt::format("no picture from server {}: {}", options_.url, *lost_);
    size_t judged = std::count_if(pipelines_.begin(), pipelines_.end(), [](const Pipeline& p) { return p.snapshot.has_value(); });
    return fmt::format("server {} has judged {} of its {} pipelines so far", options_.url, judged, pipelines_.size());
}

std::shared_ptr<const Picture> RemotePictures::latest() const {
    std::lock_guard lock(mutex_);
    return picture_;
}

void RemotePictures::drain_notifications() {
    uint64_t value;
    [[maybe_unused]] auto n = read(event_fd_, &value, sizeof value);
}

void RemotePictures::refresh_now() {
    std::lock_guard lock(mutex_);
    reconnect_now_ = true;
    changed_.notify_all();
}

MergedPictures::MergedPictures(const std::vector<RemoteOptions>& servers)
    : event_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    for (RemoteOptions o : servers) {
        o.notify_fd = event_fd_;
        servers_.push_back(std::make_unique<RemotePictures>(std::move(o)));
    }
}

MergedPictures::~MergedPictures() {
    stop();
    if (event_fd_ >= 0) close(event_fd_);
}

void MergedPictures::start() {
    for (auto& s : servers_) s->start();
}

void MergedPictures::stop() {
    for (auto& s : servers_) s->stop();
}

std::optional<std::string> MergedPictures::wait_whole(std::chrono::steady_clock::time_point until) {
    for (auto& s : servers_)
        if (auto why = s->wait_whole(until)) return why;
    return std::nullopt;
}

std::shared_ptr<const Picture> MergedPictures::latest() const {
    std::vector<std::shared_ptr<const Picture>> parts;
    std::vector<uint64_t> generations;
    for (const auto& s : servers_) {
        parts.push_back(s->latest());
        generations.push_back(parts.back()->generation);
    }
    std::lock_guard lock(mutex_);
    if (merged_ && generations == generations_) return merged_;
    auto p = std::make_shared<Picture>();
    std::vector<std::string> contexts;
    for (const auto& part : parts) {
        p->pipelines.insert(p->pipelines.end(), part->pipelines.begin(), part->pipelines.end());
        p->sources.insert(p->sources.end(), part->sources.begin(), part->sources.end());
        contexts.push_back(part->context);
    }
    p->context = fmt::format("{}", fmt::join(contexts, " | "));
    p->generation = (merged_ ? merged_->generation : 0) + 1;
    generations_ = std::move(generations);
    merged_ = p;
    return p;
}

void MergedPictures::drain_notifications() {
    uint64_t value;
    [[maybe_unused]] auto n = read(event_fd_, &value, sizeof value);
}

void MergedPictures::refresh_now() {
    for (auto& s : servers_) s->refresh_now();
}

}  // namespace shipwatch
