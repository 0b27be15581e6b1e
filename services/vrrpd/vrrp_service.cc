#include "services/vrrpd/vrrp_service.h"

#include "absl/strings/str_cat.h"
#include "lib/runtime/status.h"

namespace lvs::vrrp {
namespace {

grpc::Status RequireInstance(const std::string& name) {
  if (name.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "instance is required");
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status VrrpService::GetStatus(grpc::ServerContext*, const v1::GetVrrpStatusRequest* req,
                                    v1::VrrpStatus* resp) {
  absl::StatusOr<v1::VrrpStatus> s = loop_->Call([&] { return router_->Status(req->instance()); });
  if (!s.ok()) return runtime::ToGrpcStatus(s.status());
  *resp = std::move(*s);
  return grpc::Status::OK;
}

grpc::Status VrrpService::WatchState(grpc::ServerContext* ctx, const v1::WatchStateRequest* req,
                                     grpc::ServerWriter<v1::VrrpStateEvent>* writer) {
  std::shared_ptr<rpc::WatchHub<v1::VrrpStateEvent>::Subscription> sub;
  bool known = true;
  loop_->RunSync([&] {
    known = req->instance().empty() || router_->HasInstance(req->instance());
    if (known) sub = router_->Watch(req->instance());
  });
  if (!known) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no vrrp_instance ", req->instance()));
  }
  if (req->instance().empty()) return rpc::ServeWatch(ctx, writer, *sub);
  // One instance: filter the shared stream.
  const std::string& instance = req->instance();
  return rpc::ServeWatch<v1::VrrpStateEvent>(
      ctx, writer, *sub, [&](const v1::VrrpStateEvent& e) { return e.instance() == instance; });
}

grpc::Status VrrpService::RequestFailover(grpc::ServerContext*,
                                          const v1::RequestFailoverRequest* req,
                                          v1::RequestFailoverResponse* resp) {
  if (auto s = RequireInstance(req->instance()); !s.ok()) return s;
  absl::StatusOr<State> st = loop_->Call([&] { return router_->RequestFailover(req->instance()); });
  if (!st.ok()) return runtime::ToGrpcStatus(st.status());
  resp->set_state(ToProto(*st));
  return grpc::Status::OK;
}

grpc::Status VrrpService::SetAdminState(grpc::ServerContext*, const v1::SetAdminStateRequest* req,
                                        v1::SetAdminStateResponse* resp) {
  if (auto s = RequireInstance(req->instance()); !s.ok()) return s;
  absl::StatusOr<State> st =
      loop_->Call([&] { return router_->SetAdminState(req->instance(), req->up()); });
  if (!st.ok()) return runtime::ToGrpcStatus(st.status());
  resp->set_state(ToProto(*st));
  return grpc::Status::OK;
}

grpc::Status VrrpService::Reload(grpc::ServerContext*, const v1::ReloadRequest* req,
                                 v1::ReloadResponse* resp) {
  loop_->RunSync([&] { *resp = reload_(req->dry_run()); });
  if (!resp->applied() && !req->dry_run()) {
    // A failed status carries no response body, so the errors go in the message.
    std::string errors;
    for (const v1::Diagnostic& d : resp->diagnostics()) {
      if (d.severity() != v1::Diagnostic::ERROR) continue;
      absl::StrAppend(&errors, errors.empty() ? "" : "\n", d.location().file(), ":",
                      d.location().line(), ":", d.location().column(), ": ", d.keyword(),
                      d.keyword().empty() ? "" : ": ", d.message());
    }
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        errors.empty() ? "config not applied" : errors);
  }
  return grpc::Status::OK;
}

}  // namespace lvs::vrrp
