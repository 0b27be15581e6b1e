#include "services/ipvsd/ipvs_grpc_service.h"

#include "lib/config/config_parser.h"
#include "lib/runtime/status.h"

namespace lvs::ipvs {

using runtime::ToGrpcStatus;

grpc::Status IpvsGrpcService::ListServices(grpc::ServerContext*,
                                           const lvs::v1::ListServicesRequest*,
                                           lvs::v1::ListServicesResponse* response) {
  loop_->RunSync([&] { *response = manager_->List(); });
  return grpc::Status::OK;
}

grpc::Status IpvsGrpcService::GetService(grpc::ServerContext*,
                                         const lvs::v1::GetServiceRequest* request,
                                         lvs::v1::IpvsService* response) {
  absl::StatusOr<lvs::v1::IpvsService> r =
      loop_->Call([&] { return manager_->Get(request->key()); });
  if (r.ok()) *response = std::move(*r);
  return ToGrpcStatus(r.status());
}

grpc::Status IpvsGrpcService::SetOverride(grpc::ServerContext*,
                                          const lvs::v1::SetOverrideRequest* request,
                                          lvs::v1::SetOverrideResponse*) {
  return ToGrpcStatus(loop_->Call([&] { return manager_->SetOverride(*request); }));
}

grpc::Status IpvsGrpcService::Reload(grpc::ServerContext*, const lvs::v1::ReloadRequest* request,
                                     lvs::v1::ReloadResponse* response) {
  loop_->RunSync([&] { *response = manager_->Reload(request->dry_run()); });
  std::vector<lvs::v1::Diagnostic> errors;
  for (const auto& d : response->diagnostics())
    if (d.severity() == lvs::v1::Diagnostic::ERROR) errors.push_back(d);
  if (errors.empty()) return grpc::Status::OK;
  return grpc::Status(
      grpc::StatusCode::INVALID_ARGUMENT,
      "the configuration has errors; nothing was changed:\n" + config::FormatDiagnostics(errors));
}

grpc::Status IpvsGrpcService::WatchTable(grpc::ServerContext* context,
                                         const lvs::v1::WatchTableRequest*,
                                         grpc::ServerWriter<lvs::v1::TableEvent>* writer) {
  auto sub = loop_->Call([&] { return hub_->Subscribe(manager_->Snapshot()); });
  return rpc::ServeWatch(context, writer, *sub);
}

grpc::Status IpvsGrpcService::Flush(grpc::ServerContext*, const lvs::v1::FlushRequest* request,
                                    lvs::v1::FlushResponse* response) {
  absl::StatusOr<uint32_t> r = loop_->Call([&] { return manager_->Flush(request->confirm()); });
  if (r.ok()) response->set_services_removed(*r);
  return ToGrpcStatus(r.status());
}

}  // namespace lvs::ipvs
