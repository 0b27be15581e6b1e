// lvsctl api: any method of the three daemons' gRPC APIs by name, as grpcurl calls
// them, from the descriptors linked into lvsctl (no .proto files, no server
// reflection): the request in protobuf text format or JSON, the reply (or each
// message of a server stream) as one JSON line. Orchestration and tests get every
// call without a command of its own for each.
#include <unistd.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "lvs/v1/check.pb.h"
#include "lvs/v1/ipvs.pb.h"
#include "lvs/v1/vrrp.pb.h"
#include "services/cli/client_options.h"
#include "services/cli/command_registry.h"
#include "services/cli/command_support.h"

namespace lvs::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr char kSummary[] = "api DAEMON [METHOD [REQUEST]]: call any method of a daemon's API";

constexpr char kHelp[] = R"(usage: lvsctl api DAEMON [METHOD [REQUEST] [--count N] [--seconds S]]
       lvsctl api DAEMON METHOD --describe

Calls any method of a daemon's gRPC API (proto/lvs/v1/) by name, as grpcurl does, with
the types built into lvsctl (no .proto files needed).

  lvsctl api DAEMON                   DAEMON's methods, each with its request and reply types
  lvsctl api DAEMON METHOD --describe the request and reply types and every type they use
  lvsctl api DAEMON METHOD [REQUEST]  one call: the reply as one JSON object on one line

  DAEMON    vrrpd (lvs.v1.Vrrp), ipvsd (lvs.v1.Ipvs) or checkd (lvs.v1.CheckerService)
  REQUEST   protobuf text format ('target_id: "web1"'), or JSON when it starts with '{';
            '-' reads it from stdin, @FILE from FILE; none is the default (empty) request
  --count N, --seconds S
            a server stream (the Watch* methods) prints each message as one JSON line
            until it ends, N messages have come or S seconds have passed

Replies print every field, defaults included, with the .proto field names (proto3 JSON:
enums by name, 64-bit integers as strings), so a script finds each field it expects.

options: --run-dir DIR (default /run/lvs), --instance ID (/run/lvs/ID), --timeout S (the
  deadline of a call that is not a stream, default 5), --connect HOST:PORT --tls-cert F
  --tls-key F --tls-ca F (the daemon's mutual-TLS listener)
exit codes: 0 done (a stream also when N messages or S seconds ended it); 1 the daemon
  refused or is not running (the gRPC code name and message on stderr); 2 bad usage: an
  unknown daemon or method, a request that does not parse

examples:
  lvsctl api checkd ListChecks
  lvsctl api checkd ProbeOnce 'target_id: "TCP 192.168.64.100:80 -> 192.168.64.143:80"'
  lvsctl api checkd SetTargets @targets.txt --timeout 60
  lvsctl api checkd WatchHealth --seconds 30
  lvsctl api ipvsd SetOverride 'service { protocol: TCP address: "192.168.64.100" port: 80 }
      real { address: "192.168.64.143" port: 80 } override: DRAIN'
  lvsctl api vrrpd GetStatus | jq -r '.instances[] | .name + " " + .state'
)";

struct Daemon {
  const char* name;
  const ServiceDescriptor* service;
};

// Each daemon's service, reached through a message of its .proto file: naming that
// message also keeps the file's generated descriptors linked into lvsctl.
const std::vector<Daemon>& Daemons() {
  static const std::vector<Daemon> daemons = {
      {"vrrpd", lvs::v1::VrrpStatus::descriptor()->file()->FindServiceByName("Vrrp")},
      {"ipvsd", lvs::v1::ListServicesResponse::descriptor()->file()->FindServiceByName("Ipvs")},
      {"checkd",
       lvs::v1::ListChecksResponse::descriptor()->file()->FindServiceByName("CheckerService")},
  };
  return daemons;
}

int Usage(const std::string& message, const std::string& hint = "lvsctl api --help") {
  std::fprintf(stderr, "lvsctl: api: %s (%s)\n", message.c_str(), hint.c_str());
  return kExitUsage;
}

// What `api` was asked, its own flags taken out.
struct ApiArgs {
  std::vector<std::string> words;  // DAEMON [METHOD [REQUEST]]
  long count = 0;                  // 0: no bound
  int seconds = 0;
  bool describe = false;
};

absl::StatusOr<ApiArgs> ParseApiArgs(const std::vector<std::string>& args) {
  ApiArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--describe") {
      out.describe = true;
    } else if (a == "--count" || a == "--seconds") {
      const std::string value = i + 1 < args.size() ? args[++i] : "";
      bool ok = a == "--count" ? absl::SimpleAtoi(value, &out.count) && out.count > 0
                               : absl::SimpleAtoi(value, &out.seconds) && out.seconds > 0;
      if (!ok)
        return absl::InvalidArgumentError(absl::StrCat(a, " '", value, "': expected a number > 0"));
    } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
    } else {
      out.words.push_back(a);
    }
  }
  if (out.words.empty() || out.words.size() > 3)
    return absl::InvalidArgumentError(
        "expected DAEMON [METHOD [REQUEST]], DAEMON vrrpd, ipvsd or checkd");
  return out;
}

// The type's name as a reader of the .proto files knows it: short within the package.
std::string TypeName(const Descriptor* type, const ServiceDescriptor* service) {
  return type->file()->package() == service->file()->package() ? type->name() : type->full_name();
}

void ListMethods(const Daemon& daemon) {
  const ServiceDescriptor* service = daemon.service;
  std::printf("%s (%s):\n", daemon.name, service->full_name().c_str());
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodDescriptor* m = service->method(i);
    std::printf("  %-16s %s -> %s%s\n", m->name().c_str(),
                TypeName(m->input_type(), service).c_str(), m->server_streaming() ? "stream " : "",
                TypeName(m->output_type(), service).c_str());
  }
}

// Small enough for "ListCheck" -> "ListChecks", "getstatus" -> "GetStatus".
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

absl::StatusOr<const MethodDescriptor*> FindMethod(const Daemon& daemon, const std::string& name) {
  const ServiceDescriptor* service = daemon.service;
  if (const MethodDescriptor* m = service->FindMethodByName(name)) return m;
  std::string hint;
  for (int i = 0; i < service->method_count(); ++i) {
    const std::string& candidate = service->method(i)->name();
    if (EditDistance(absl::AsciiStrToLower(name), absl::AsciiStrToLower(candidate)) <= 2)
      hint = absl::StrCat(": did you mean ", candidate, "?");
  }
  return absl::NotFoundError(absl::StrCat(daemon.name, " has no method '", name, "'", hint));
}

// Every message and enum type `roots` use, each top-level type once, in the order met.
std::vector<std::string> TypeDefinitions(const std::vector<const Descriptor*>& roots) {
  std::vector<std::string> out;
  std::set<const void*> seen;
  std::deque<const Descriptor*> queue;
  auto visit = [&](const Descriptor* type) {
    while (type->containing_type() != nullptr) type = type->containing_type();
    if (seen.insert(type).second) queue.push_back(type);
  };
  for (const Descriptor* root : roots) visit(root);
  while (!queue.empty()) {
    const Descriptor* top = queue.front();
    queue.pop_front();
    out.push_back(top->DebugString());
    // A top-level type's definition holds its nested types: walk their fields too.
    std::deque<const Descriptor*> within = {top};
    while (!within.empty()) {
      const Descriptor* type = within.front();
      within.pop_front();
      for (int i = 0; i < type->nested_type_count(); ++i) within.push_back(type->nested_type(i));
      for (int i = 0; i < type->field_count(); ++i) {
        if (const Descriptor* m = type->field(i)->message_type()) visit(m);
        const google::protobuf::EnumDescriptor* e = type->field(i)->enum_type();
        if (e != nullptr && e->containing_type() != nullptr) visit(e->containing_type());
        if (e != nullptr && e->containing_type() == nullptr && seen.insert(e).second)
          out.push_back(e->DebugString());
      }
    }
  }
  return out;
}

void Describe(const MethodDescriptor* method) {
  std::printf("%s\n", method->DebugString().c_str());
  for (const std::string& type : TypeDefinitions({method->input_type(), method->output_type()}))
    std::printf("%s\n", type.c_str());
}

// The request's text and where it came from, for the parse error's location.
struct RequestText {
  std::string text;
  std::string source;  // "request", "stdin" or the file's path
};

absl::StatusOr<RequestText> ReadRequest(const std::string& arg) {
  if (arg != "-" && arg.rfind('@', 0) != 0) return RequestText{arg, "request"};
  std::stringstream text;
  if (arg == "-") {
    text << std::cin.rdbuf();
    return RequestText{text.str(), "stdin"};
  }
  const std::string path = arg.substr(1);
  std::ifstream file(path);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  text << file.rdbuf();
  return RequestText{text.str(), path};
}

// Collects the text-format parser's errors as SOURCE:LINE:COLUMN: MESSAGE.
class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParseErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  std::string Joined() const { return absl::StrJoin(errors_, "\n"); }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

absl::Status ParseRequest(const RequestText& in, Message* request) {
  absl::string_view text = absl::StripLeadingAsciiWhitespace(in.text);
  std::string error;
  if (!text.empty() && text[0] == '{') {
    auto s = google::protobuf::util::JsonStringToMessage(std::string(text), request);
    if (s.ok()) return absl::OkStatus();
    error = absl::StrCat(in.source, ": ", std::string(s.message()));
  } else {
    google::protobuf::TextFormat::Parser parser;
    ParseErrors errors(in.source);
    parser.RecordErrorsTo(&errors);
    if (parser.ParseFromString(in.text, request)) return absl::OkStatus();
    error = errors.Joined();
  }
  // A file named without its @ parses as text, and fails on its name.
  if (in.source == "request" && access(in.text.c_str(), R_OK) == 0)
    absl::StrAppend(&error, " (to read the file ", in.text, ", write @", in.text, ")");
  return absl::InvalidArgumentError(error);
}

// The generated type (not a dynamic one), as lvsctl's other commands build.
std::unique_ptr<Message> NewMessage(const Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

void PrintReply(const Message& reply) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(reply, &line, options);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

// The generic stub's calls run on a completion queue; each waits for its one
// operation in flight, so the queue is used as a blocking API.
bool Await(grpc::CompletionQueue& cq) {
  void* tag;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

void Drain(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

grpc::Status CallUnary(grpc::GenericStub& stub, const std::string& path, grpc::ClientContext* ctx,
                       const grpc::ByteBuffer& request, Message* reply) {
  grpc::CompletionQueue cq;
  grpc::ByteBuffer reply_bytes;
  grpc::Status status;
  {
    auto call = stub.PrepareUnaryCall(ctx, path, request, &cq);
    call->StartCall();
    call->Finish(&reply_bytes, &status, nullptr);
    Await(cq);
  }
  Drain(cq);
  if (status.ok()) status = grpc::SerializationTraits<Message>::Deserialize(&reply_bytes, reply);
  return status;
}

// Prints each message of a server stream until it ends or `count` have come (then
// cancels it: OK).
grpc::Status CallServerStream(grpc::GenericStub& stub, const std::string& path,
                              grpc::ClientContext* ctx, const grpc::ByteBuffer& request,
                              Message* reply, long count) {
  grpc::CompletionQueue cq;
  grpc::Status status;
  long received = 0;
  bool garbled = false;
  {
    auto call = stub.PrepareCall(ctx, path, &cq);
    call->StartCall(nullptr);
    bool open = Await(cq);
    if (open) {
      call->WriteLast(request, grpc::WriteOptions(), nullptr);
      open = Await(cq);
    }
    grpc::ByteBuffer message;
    while (open && (count == 0 || received < count)) {
      call->Read(&message, nullptr);
      if (!Await(cq)) break;
      garbled = !grpc::SerializationTraits<Message>::Deserialize(&message, reply).ok();
      if (garbled) break;
      PrintReply(*reply);
      ++received;
    }
    if (garbled || (count > 0 && received == count)) ctx->TryCancel();
    call->Finish(&status, nullptr);
    Await(cq);
  }
  Drain(cq);
  if (garbled)
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        absl::StrCat("a message that is not a ", reply->GetTypeName()));
  return count > 0 && received == count ? grpc::Status::OK : status;
}

int Call(const ClientOptions& opts, const Daemon& daemon, const MethodDescriptor* method,
         const Message& request, const ApiArgs& api) {
  auto channel = DaemonChannel(opts, daemon.name);
  if (!channel.ok()) return Usage(std::string(channel.status().message()));
  grpc::GenericStub stub(*channel);
  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  grpc::ByteBuffer request_bytes;
  bool own_buffer;
  (void)grpc::SerializationTraits<Message>::Serialize(request, &request_bytes, &own_buffer);
  std::unique_ptr<Message> reply = NewMessage(method->output_type());
  grpc::Status status;
  if (method->server_streaming()) {
    grpc::ClientContext ctx;
    if (api.seconds > 0)
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(api.seconds));
    status = CallServerStream(stub, path, &ctx, request_bytes, reply.get(), api.count);
    // The stream's time bound is its end, not a failure.
    if (api.seconds > 0 && status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      status = grpc::Status::OK;
  } else {
    status = CallUnary(stub, path, CallContext(opts).get(), request_bytes, reply.get());
    if (status.ok()) PrintReply(*reply);
  }
  return status.ok() ? kExitOk : ReportRpcError(opts, daemon.name, status);
}

int RunApi(const std::vector<std::string>& raw) {
  std::vector<std::string> args = raw;
  auto opts = ExtractClientOptions(args);
  if (!opts.ok()) return Usage(std::string(opts.status().message()));
  auto api = ParseApiArgs(args);
  if (!api.ok()) return Usage(std::string(api.status().message()));
  const std::string& daemon_name = api->words[0];
  const Daemon* daemon = nullptr;
  for (const Daemon& d : Daemons())
    if (daemon_name == d.name) daemon = &d;
  if (daemon == nullptr)
    return Usage(absl::StrCat("'", daemon_name,
                              "' is not a daemon: expected vrrpd, ipvsd or "
                              "checkd"));
  if (api->words.size() == 1) {
    if (api->describe || api->count > 0 || api->seconds > 0) return Usage("which METHOD?");
    ListMethods(*daemon);
    return kExitOk;
  }
  auto method = FindMethod(*daemon, api->words[1]);
  if (!method.ok())
    return Usage(std::string(method.status().message()),
                 absl::StrCat("'lvsctl api ", daemon->name, "' lists them"));
  if (api->describe) {
    if (api->words.size() > 2) return Usage("--describe takes no REQUEST");
    Describe(*method);
    return kExitOk;
  }
  if ((*method)->client_streaming())
    return Usage(absl::StrCat((*method)->name(), " streams its requests: lvsctl api sends one"));
  if (!(*method)->server_streaming() && (api->count > 0 || api->seconds > 0))
    return Usage(absl::StrCat("--count and --seconds bound a stream; ", (*method)->name(),
                              " is a single call (--timeout S is its deadline)"));
  std::unique_ptr<Message> request = NewMessage((*method)->input_type());
  if (api->words.size() == 3) {
    auto text = ReadRequest(api->words[2]);
    if (!text.ok()) return Usage(std::string(text.status().message()));
    if (absl::Status s = ParseRequest(*text, request.get()); !s.ok()) {
      std::fprintf(stderr,
                   "lvsctl: api: %s\nlvsctl: api: REQUEST is a %s in protobuf text format or JSON"
                   " ('lvsctl api %s %s --describe' shows it)\n",
                   std::string(s.message()).c_str(), request->GetTypeName().c_str(), daemon->name,
                   (*method)->name().c_str());
      return kExitUsage;
    }
  }
  return Call(*opts, *daemon, *method, *request, *api);
}

}  // namespace

LVS_CLI_COMMAND_WITH_HELP("api", kSummary, kHelp, RunApi);

}  // namespace lvs::cli
