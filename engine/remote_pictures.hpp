// The pictures of a `shipwatch serve` instead of our own collectors: what `--server URL` gives
// the dashboard, `check` and `wait`. One thread reads the server's event stream
// (http/event_stream.hpp), applies each frame (wire/wire.hpp: a full one on connect, then
// deltas), and diagnoses each snapshot here, so verdicts, stages and evidence are the server's.
// A snapshot's time runs on from its `now` at the server's world rate from the moment it came
// (each demo scenario has its own clock), so data still ages when the server goes quiet; the
// moments between the server's judgement and its sending are not counted (a delta goes out within
// the server's coalescing; the server judges a pipeline again when its data passes its age limit). A lost connection makes every stage unknown at once
// ("server … unreachable"), kept with what it showed, and reconnects with a backoff and
// Last-Event-ID; the status bar shows the server, its sources' ages, and since when it is lost.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model/picture.hpp"
#include "model/snapshot.hpp"

namespace shipwatch {

struct RemoteOptions {
    std::string url;  // the server's base URL: "http://127.0.0.1:9464"
    std::string token;  // sent as a bearer token; empty: none
    Duration backoff_min = std::chrono::seconds(1);
    // A server is one process the team runs: asked again soon, so a restart is seen within seconds.
    Duration backoff_max = std::chrono::seconds(5);
    Duration idle_timeout = std::chrono::seconds(30);  // silence that counts as a lost connection
    std::string ca_bundle;
    int notify_fd = -1;  // an eventfd to signal new pictures on instead of its own (MergedPictures)
};

class RemotePictures final : public PictureSource {
public:
    explicit RemotePictures(RemoteOptions options);
    ~RemotePictures() override;
    RemotePictures(const RemotePictures&) = delete;
    RemotePictures& operator=(const RemotePictures&) = delete;

    void start();
    void stop();  // ends the stream at once; safe to call twice

    // Until every pipeline of the server has its first picture, the connection fails for good
    // (401, not a shipwatch server) or `until` passes: nullopt when the picture is whole, else why not.
    std::optional<std::string> wait_whole(std::chrono::steady_clock::time_point until);

    std::shared_ptr<const Picture> latest() const override;
    int notify_fd() const override { return options_.notify_fd >= 0 ? options_.notify_fd : event_fd_; }
    void drain_notifications() override;
    void refresh_now() override;  // reconnects now when the server is lost; the server refreshes on its own plan

private:
    struct Pipeline {
        std::string name;
        bool refreshing = false;
        std::optional<PipelineSnapshot> snapshot;
        std::chrono::steady_clock::time_point received{};  // when its snapshot came
        std::shared_ptr<const PipelineAnalysis> analysis;
    };
    void run(std::stop_token stop);
    void on_frame(const std::string& kind, const std::string& data);
    void lost(const std::string& why);
    void publish();  // with mutex_
    // With mutex_: the pipeline judged at its own clock now (each demo scenario has its own).
    std::shared_ptr<const PipelineAnalysis> judge(const Pipeline& pipeline) const;

    RemoteOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::vector<Pipeline> pipelines_;  // in the server's order
    std::unordered_map<std::string, size_t> by_name_;  // into pipelines_: a delta names its pipelines
    std::vector<SourceState> server_sources_;
    std::string server_context_;
    uint64_t generation_ = 0;
    double world_rate_ = 1.0;
    bool whole_ = false;
    std::optional<std::string> lost_;  // why the connection is down; none while connected
    std::optional<std::string> refused_;  // a refusal that retrying will not change
    std::optional<TimePoint> last_heard_;  // this side's wall clock
    std::optional<TimePoint> lost_since_;
    std::string last_event_id_;
    bool reconnect_now_ = false;
    std::shared_ptr<const Picture> picture_;
    int event_fd_ = -1;
    std::jthread thread_;
};

// Several servers (`--server A --server B`, the shards of one fleet) as one overview: their
// pipelines side by side in the order the servers were given, every server in the status bar.
class MergedPictures final : public PictureSource {
public:
    explicit MergedPictures(const std::vector<RemoteOptions>& servers);
    ~MergedPictures() override;
    void start();
    void stop();
    std::optional<std::string> wait_whole(std::chrono::steady_clock::time_point until);

    std::shared_ptr<const Picture> latest() const override;
    int notify_fd() const override { return event_fd_; }
    void drain_notifications() override;
    void refresh_now() override;

private:
    int event_fd_ = -1;
    std::vector<std::unique_ptr<RemotePictures>> servers_;
    mutable std::mutex mutex_;
    mutable std::vector<uint64_t> generations_;  // of the servers' pictures in merged_
    mutable std::shared_ptr<const Picture> merged_;
};

}  // namespace shipwatch
