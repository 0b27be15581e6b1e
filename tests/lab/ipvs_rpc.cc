// ipvs_rpc RUN_DIR METHOD [REQUEST]: one call to ipvsd's Ipvs service with a request
// in protobuf text format, for lab scenarios that must send what lvsctl would refuse
// to. Prints "CODE message" on the first line and the response (text format) after;
// exits with the gRPC status code.
// ipvs_rpc RUN_DIR WatchTable N: prints the first N table events, one per line.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>

#include "lib/rpc/channel.h"
#include "lvs/v1/ipvs.grpc.pb.h"

namespace {

const char* CodeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::OK: return "OK";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    default: return "OTHER";
  }
}

template <typename Req, typename Resp, typename Call>
int Unary(const std::string& text, Call call) {
  Req req;
  if (!google::protobuf::TextFormat::ParseFromString(text, &req)) {
    std::fprintf(stderr, "ipvs_rpc: the request is not valid text format\n");
    return 100;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  // The emulated VM is slow to connect; a call waits for the channel rather than
  // failing fast with UNAVAILABLE.
  ctx.set_wait_for_ready(true);
  Resp resp;
  grpc::Status s = call(&ctx, req, &resp);
  std::printf("%s %s\n", CodeName(s.error_code()), s.error_message().c_str());
  if (s.ok()) {
    std::string out;
    google::protobuf::TextFormat::PrintToString(resp, &out);
    std::fputs(out.c_str(), stdout);
  }
  return s.error_code();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ipvs_rpc RUN_DIR METHOD [REQUEST]\n");
    return 100;
  }
  auto stub = lvs::v1::Ipvs::NewStub(lvs::rpc::UnixChannel(argv[1], "ipvsd"));
  const std::string method = argv[2];
  const std::string text = argc > 3 ? argv[3] : "";
  using namespace lvs::v1;
  auto* s = stub.get();
  if (method == "ListServices")
    return Unary<ListServicesRequest, ListServicesResponse>(
        text, [&](auto* c, auto& q, auto* r) { return s->ListServices(c, q, r); });
  if (method == "GetService")
    return Unary<GetServiceRequest, IpvsService>(
        text, [&](auto* c, auto& q, auto* r) { return s->GetService(c, q, r); });
  if (method == "SetOverride")
    return Unary<SetOverrideRequest, SetOverrideResponse>(
        text, [&](auto* c, auto& q, auto* r) { return s->SetOverride(c, q, r); });
  if (method == "Reload")
    return Unary<ReloadRequest, ReloadResponse>(
        text, [&](auto* c, auto& q, auto* r) { return s->Reload(c, q, r); });
  if (method == "Flush")
    return Unary<FlushRequest, FlushResponse>(
        text, [&](auto* c, auto& q, auto* r) { return s->Flush(c, q, r); });
  if (method == "WatchTable") {
    int want = std::atoi(text.c_str());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    ctx.set_wait_for_ready(true);
    auto reader = s->WatchTable(&ctx, WatchTableRequest());
    TableEvent e;
    int got = 0;
    while (got < want && reader->Read(&e)) {
      std::printf("%s\n", e.ShortDebugString().c_str());
      std::fflush(stdout);
      ++got;
    }
    ctx.TryCancel();
    reader->Finish();
    return got == want ? 0 : 1;
  }
  std::fprintf(stderr, "ipvs_rpc: unknown method %s\n", method.c_str());
  return 100;
}
