// checkd-client: talks to checkd's Checker API on <run-dir>/checkd.sock.
//   checkd-client [--run-dir DIR] set FILE|-      SetTargetsRequest in protobuf text format
//   checkd-client [--run-dir DIR] watch [--count N] [--seconds S]
//   checkd-client [--run-dir DIR] list | probe ID | stats [--reset]
// Replies print as one JSON object per line. Exit status: 0 ok, 2 usage, 3 RPC
// error (its canonical code name and message on stderr).
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/rpc/channel.h"
#include "lvs/v1/check.grpc.pb.h"

namespace {

using lvs::v1::CheckerService;

void PrintJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
}

int Fail(const grpc::Status& s) {
  static const char* kNames[] = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
                                 "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
                                 "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
                                 "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  int code = s.error_code();
  std::fprintf(stderr, "%s: %s\n", code >= 0 && code <= 16 ? kNames[code] : "?", s.error_message().c_str());
  return 3;
}

int Usage() {
  std::fprintf(stderr,
               "usage: checkd-client [--run-dir DIR] set FILE|- | watch [--count N] [--seconds S] |"
               " list | probe ID | stats [--reset]\n");
  return 2;
}

std::unique_ptr<grpc::ClientContext> Context(int seconds) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  ctx->set_wait_for_ready(true);
  return ctx;
}

}  // namespace

int main(int argc, char** argv) {
  std::string run_dir = "/run/lvs";
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--run-dir" && i + 1 < argc) {
      run_dir = argv[++i];
    } else if (a.rfind("--run-dir=", 0) == 0) {
      run_dir = a.substr(10);
    } else {
      args.push_back(a);
    }
  }
  if (args.empty()) return Usage();
  // A full set of tens of thousands of targets, or their ListChecks, can pass
  // gRPC's default 4 MB message limit.
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(256 << 20);
  channel_args.SetMaxSendMessageSize(256 << 20);
  auto stub = CheckerService::NewStub(grpc::CreateCustomChannel(
      "unix:" + lvs::rpc::SocketPath(run_dir, "checkd"), grpc::InsecureChannelCredentials(), channel_args));
  const std::string& cmd = args[0];

  if (cmd == "set" && args.size() == 2) {
    std::stringstream text;
    if (args[1] == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream f(args[1]);
      if (!f) {
        std::fprintf(stderr, "cannot read %s\n", args[1].c_str());
        return 2;
      }
      text << f.rdbuf();
    }
    lvs::v1::SetTargetsRequest req;
    if (!google::protobuf::TextFormat::ParseFromString(text.str(), &req)) {
      std::fprintf(stderr, "%s: not a SetTargetsRequest in text format\n", args[1].c_str());
      return 2;
    }
    lvs::v1::SetTargetsResponse resp;
    auto s = stub->SetTargets(Context(60).get(), req, &resp);
    if (!s.ok()) return Fail(s);
    PrintJson(resp);
    return 0;
  }
  if (cmd == "watch") {
    long count = -1;
    int seconds = 3600;
    for (size_t i = 1; i + 1 < args.size(); i += 2) {
      if (args[i] == "--count") count = std::stol(args[i + 1]);
      else if (args[i] == "--seconds") seconds = std::stoi(args[i + 1]);
      else return Usage();
    }
    auto ctx = Context(seconds);
    auto reader = stub->WatchHealth(ctx.get(), lvs::v1::WatchHealthRequest());
    lvs::v1::HealthEvent e;
    while (count != 0 && reader->Read(&e)) {
      PrintJson(e);
      if (count > 0) --count;
    }
    if (count == 0) {
      ctx->TryCancel();
      return 0;
    }
    auto s = reader->Finish();
    return s.ok() || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? 0 : Fail(s);
  }
  if (cmd == "list" && args.size() == 1) {
    lvs::v1::ListChecksResponse resp;
    auto s = stub->ListChecks(Context(30).get(), lvs::v1::ListChecksRequest(), &resp);
    if (!s.ok()) return Fail(s);
    PrintJson(resp);
    return 0;
  }
  if (cmd == "probe" && args.size() == 2) {
    lvs::v1::ProbeOnceRequest req;
    req.set_target_id(args[1]);
    lvs::v1::ProbeOnceResponse resp;
    auto s = stub->ProbeOnce(Context(120).get(), req, &resp);
    if (!s.ok()) return Fail(s);
    PrintJson(resp);
    return 0;
  }
  if (cmd == "stats") {
    lvs::v1::GetStatsRequest req;
    req.set_reset(args.size() == 2 && args[1] == "--reset");
    lvs::v1::CheckerStats resp;
    auto s = stub->GetStats(Context(30).get(), req, &resp);
    if (!s.ok()) return Fail(s);
    PrintJson(resp);
    return 0;
  }
  return Usage();
}
