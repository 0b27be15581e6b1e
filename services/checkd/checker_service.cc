#include "services/checkd/checker_service.h"

#include <algorithm>
#include <future>

#include "absl/strings/escaping.h"

#include "lib/runtime/logging.h"
#include "lib/runtime/status.h"

namespace lvs::checkd {

grpc::Status CheckerService::SetTargets(grpc::ServerContext*, const v1::SetTargetsRequest* req,
                                        v1::SetTargetsResponse* resp) {
  absl::StatusOr<v1::SetTargetsResponse> r = loop_->Call([&] { return engine_->SetTargets(*req); });
  auto log = runtime::Logger("checkd");
  if (!r.ok()) {
    log->warn("SetTargets refused: {}", std::string(r.status().message()));
    return runtime::ToGrpcStatus(r.status());
  }
  *resp = *std::move(r);
  log->info("SetTargets: {} targets, {} added, {} removed, {} changed, {} unchanged, {} rejected",
            req->targets_size(), resp->added(), resp->removed(), resp->changed(), resp->unchanged(),
            resp->rejected_size());
  for (const v1::TargetError& e : resp->rejected()) log->warn("rejected target {}", e.message());
  return grpc::Status::OK;
}

grpc::Status CheckerService::WatchHealth(grpc::ServerContext* ctx, const v1::WatchHealthRequest*,
                                         grpc::ServerWriter<v1::HealthEvent>* writer) {
  auto sub = loop_->Call([&] { return hub_->Subscribe(engine_->Snapshot()); });
  return rpc::ServeWatch(ctx, writer, *sub);
}

grpc::Status CheckerService::ListChecks(grpc::ServerContext*, const v1::ListChecksRequest*,
                                        v1::ListChecksResponse* resp) {
  loop_->RunSync([&] { *resp = engine_->ListChecks(); });
  return grpc::Status::OK;
}

grpc::Status CheckerService::ProbeOnce(grpc::ServerContext* ctx, const v1::ProbeOnceRequest* req,
                                       v1::ProbeOnceResponse* resp) {
  auto result = std::make_shared<std::promise<v1::ProbeOnceResponse>>();
  auto deliver = [result](v1::ProbeOnceResponse r) { result->set_value(std::move(r)); };
  absl::Status started;
  if (!req->target_id().empty()) {
    started = loop_->Call([&] { return engine_->ProbeOnce(req->target_id(), deliver); });
  } else if (req->has_target()) {
    const bool script =
        std::any_of(req->target().checkers().begin(), req->target().checkers().end(),
                    [](const v1::Checker& c) { return c.has_misc(); });
    if (script && !allow_probe_scripts_) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                          "an ad-hoc MISC_CHECK probe would run a command of the caller's choosing "
                          "as checkd's user; probe a configured target by id (--target), or start "
                          "checkd with --allow-probe-scripts");
    }
    const bool key_files =
        std::any_of(req->target().checkers().begin(), req->target().checkers().end(),
                    [](const v1::Checker& c) { return c.http().has_tls(); });
    if (key_files) {
      // checkd reads them as root: a caller must not pick which key it presents where.
      return grpc::Status(
          grpc::StatusCode::PERMISSION_DENIED,
          "an ad-hoc probe cannot name TLS certificate or key files; probe a configured "
          "SSL_GET target by id (--target), which uses the configuration's SSL block");
    }
    auto spec = TargetSpec::FromProto(req->target());
    if (!spec.ok()) return runtime::ToGrpcStatus(spec.status());
    started = loop_->Call([&] { return engine_->ProbeOnce(*spec, deliver); });
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "ProbeOnce needs target_id or target");
  }
  if (!started.ok()) return runtime::ToGrpcStatus(started);
  auto future = result->get_future();
  // Every checker has its own timeout, so this ends; the loop polls for a client
  // that gave up meanwhile.
  while (future.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  *resp = future.get();
  return grpc::Status::OK;
}

grpc::Status CheckerService::CheckNow(grpc::ServerContext*, const v1::CheckNowRequest* req,
                                      v1::CheckNowResponse*) {
  if (req->target_id().empty())
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "CheckNow needs target_id");
  absl::Status status = loop_->Call([&] { return engine_->CheckNow(req->target_id()); });
  if (!status.ok()) return runtime::ToGrpcStatus(status);
  runtime::Logger("checkd")->info(
      "{}: checks run now{}{}", absl::CHexEscape(req->target_id().substr(0, 200)),
      req->reason().empty() ? "" : ": ", absl::CHexEscape(req->reason().substr(0, 200)));
  return grpc::Status::OK;
}

grpc::Status CheckerService::GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                                      v1::CheckerStats* resp) {
  loop_->RunSync([&] { *resp = engine_->Stats(req->reset()); });
  return grpc::Status::OK;
}

}  // namespace lvs::checkd
