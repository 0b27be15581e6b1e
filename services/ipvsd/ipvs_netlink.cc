#include "services/ipvsd/ipvs_netlink.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/ipvsd/ipvs_errors.h"

namespace lvs::ipvs {
namespace {

// A batch stays well inside the socket buffers, so errors for a whole batch always
// fit in the receive queue.
constexpr size_t kBatchBytes = size_t{64} * 1024;
constexpr int kSocketBuffer = 4 * 1024 * 1024;
constexpr size_t kInetAddrLen = 16;  // sizeof(union nf_inet_addr)

struct MsgDeleter {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;

absl::Status LibnlError(int err, const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": netlink: ", nl_geterror(err)));
}

// Readers that tolerate short attributes (a malformed answer reads as zero).
uint8_t U8(const nlattr* a) {
  return a && nla_len(a) >= 1 ? nla_get_u8(const_cast<nlattr*>(a)) : 0;
}
uint16_t U16(const nlattr* a) {
  return a && nla_len(a) >= 2 ? nla_get_u16(const_cast<nlattr*>(a)) : 0;
}
uint32_t U32(const nlattr* a) {
  return a && nla_len(a) >= 4 ? nla_get_u32(const_cast<nlattr*>(a)) : 0;
}
uint64_t U64(const nlattr* a) {
  return a && nla_len(a) >= 8 ? nla_get_u64(const_cast<nlattr*>(a)) : 0;
}
std::string Str(const nlattr* a) {
  if (!a || nla_len(a) < 1) return "";
  const char* p = static_cast<const char*>(nla_data(a));
  return std::string(p, strnlen(p, nla_len(a)));
}
net::IpAddress Addr(const nlattr* a, int af) {
  const net::IpAddress any = net::IpAddress::Any(af);
  if (!a || nla_len(a) < static_cast<int>(any.size())) return any;
  return net::IpAddress::FromRaw(af, nla_data(a));
}

template <size_t N>
bool ParseNested(nlattr* (&tb)[N], nlattr* nest) {
  return nest && nla_parse_nested(tb, N - 1, nest, nullptr) == 0;
}

Stats ParseStats(nlattr* stats64, nlattr* stats32) {
  Stats s;
  nlattr* tb[IPVS_STATS_ATTR_MAX + 1] = {};
  bool wide = ParseNested(tb, stats64);
  if (!wide && !ParseNested(tb, stats32)) return s;
  auto get = [&](int attr) { return wide ? U64(tb[attr]) : U32(tb[attr]); };
  s.conns = get(IPVS_STATS_ATTR_CONNS);
  s.inpkts = get(IPVS_STATS_ATTR_INPKTS);
  s.outpkts = get(IPVS_STATS_ATTR_OUTPKTS);
  // Byte counters are 64-bit in both forms.
  s.inbytes = U64(tb[IPVS_STATS_ATTR_INBYTES]);
  s.outbytes = U64(tb[IPVS_STATS_ATTR_OUTBYTES]);
  s.cps = get(IPVS_STATS_ATTR_CPS);
  s.inpps = get(IPVS_STATS_ATTR_INPPS);
  s.outpps = get(IPVS_STATS_ATTR_OUTPPS);
  s.inbps = get(IPVS_STATS_ATTR_INBPS);
  s.outbps = get(IPVS_STATS_ATTR_OUTBPS);
  return s;
}

std::optional<Service> ParseService(nlattr* nest) {
  nlattr* tb[IPVS_SVC_ATTR_MAX + 1] = {};
  if (!ParseNested(tb, nest) || !tb[IPVS_SVC_ATTR_AF]) return std::nullopt;
  Service svc;
  ServiceSpec& spec = svc.spec;
  spec.key.af = U16(tb[IPVS_SVC_ATTR_AF]);
  spec.key.fwmark = U32(tb[IPVS_SVC_ATTR_FWMARK]);
  if (spec.key.fwmark) {
    spec.key.protocol = 0;
  } else {
    spec.key.protocol = U16(tb[IPVS_SVC_ATTR_PROTOCOL]);
    spec.key.addr = Addr(tb[IPVS_SVC_ATTR_ADDR], spec.key.af);
    spec.key.port = ntohs(U16(tb[IPVS_SVC_ATTR_PORT]));
  }
  if (spec.key.fwmark) spec.key.addr = net::IpAddress::Any(spec.key.af);
  spec.scheduler = Str(tb[IPVS_SVC_ATTR_SCHED_NAME]);
  if (tb[IPVS_SVC_ATTR_FLAGS] && nla_len(tb[IPVS_SVC_ATTR_FLAGS]) >= int(sizeof(ip_vs_flags))) {
    ip_vs_flags f;
    std::memcpy(&f, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof f);
    spec.flags = f.flags & kSvcUserFlags;
  }
  spec.timeout_s = U32(tb[IPVS_SVC_ATTR_TIMEOUT]);
  spec.netmask = U32(tb[IPVS_SVC_ATTR_NETMASK]);
  spec.pe_name = Str(tb[IPVS_SVC_ATTR_PE_NAME]);
  svc.stats = ParseStats(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS]);
  return svc;
}

std::optional<Dest> ParseDest(nlattr* nest, int service_af) {
  nlattr* tb[IPVS_DEST_ATTR_MAX + 1] = {};
  if (!ParseNested(tb, nest) || !tb[IPVS_DEST_ATTR_ADDR]) return std::nullopt;
  Dest d;
  int af = tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? U16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : service_af;
  d.spec.key.addr = Addr(tb[IPVS_DEST_ATTR_ADDR], af);
  d.spec.key.port = ntohs(U16(tb[IPVS_DEST_ATTR_PORT]));
  d.spec.forwarding =
      static_cast<Forwarding>(U32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK);
  d.spec.weight = static_cast<int32_t>(U32(tb[IPVS_DEST_ATTR_WEIGHT]));
  d.spec.upper_threshold = U32(tb[IPVS_DEST_ATTR_U_THRESH]);
  d.spec.lower_threshold = U32(tb[IPVS_DEST_ATTR_L_THRESH]);
  if (d.spec.forwarding == Forwarding::kTunnel) {
    d.spec.tun_type = U8(tb[IPVS_DEST_ATTR_TUN_TYPE]);
    d.spec.tun_port = ntohs(U16(tb[IPVS_DEST_ATTR_TUN_PORT]));
    d.spec.tun_flags = U16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
  }
  d.active_conns = U32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
  d.inactive_conns = U32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
  d.persistent_conns = U32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
  d.stats = ParseStats(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS]);
  return d;
}

// The service as a nested attribute: the key alone, or (full) with every setting
// the kernel requires for new and set.
int PutService(nl_msg* msg, const ServiceSpec& s, bool full) {
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
  if (!nest) return -NLE_NOMEM;
  int err = nla_put_u16(msg, IPVS_SVC_ATTR_AF, s.key.af);
  if (s.key.is_fwmark()) {
    err = err ?: nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, s.key.fwmark);
  } else {
    err = err ?: nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, s.key.protocol);
    err = err ?: nla_put(msg, IPVS_SVC_ATTR_ADDR, kInetAddrLen, s.key.addr.raw().data());
    err = err ?: nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(s.key.port));
  }
  if (full) {
    ip_vs_flags flags{s.flags, ~0u};
    err = err ?: nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, s.scheduler.c_str());
    err = err ?: nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof flags, &flags);
    err = err ?: nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, s.timeout_s);
    err = err ?: nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, s.netmask);
    if (!s.pe_name.empty())
      err = err ?: nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, s.pe_name.c_str());
  }
  nla_nest_end(msg, nest);
  return err;
}

int PutDest(nl_msg* msg, const DestSpec& d, bool full) {
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
  if (!nest) return -NLE_NOMEM;
  int err = nla_put(msg, IPVS_DEST_ATTR_ADDR, kInetAddrLen, d.key.addr.raw().data());
  err = err ?: nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(d.key.port));
  err = err ?: nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, d.key.addr.af());
  if (full) {
    err = err ?: nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, static_cast<uint32_t>(d.forwarding));
    err = err ?: nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(d.weight));
    err = err ?: nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, d.upper_threshold);
    err = err ?: nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, d.lower_threshold);
    // Only for a tunnel, so a kernel before 5.2 (no such attributes) is not asked.
    if (d.forwarding == Forwarding::kTunnel && (d.tun_type || d.tun_port || d.tun_flags)) {
      err = err ?: nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE, d.tun_type);
      err = err ?: nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(d.tun_port));
      err = err ?: nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, d.tun_flags);
    }
  }
  nla_nest_end(msg, nest);
  return err;
}

uint8_t CommandOf(Operation::Kind k) {
  using Kind = Operation::Kind;
  switch (k) {
    case Kind::kAddService: return IPVS_CMD_NEW_SERVICE;
    case Kind::kEditService: return IPVS_CMD_SET_SERVICE;
    case Kind::kDelService: return IPVS_CMD_DEL_SERVICE;
    case Kind::kAddDest: return IPVS_CMD_NEW_DEST;
    case Kind::kEditDest: return IPVS_CMD_SET_DEST;
    case Kind::kDelDest: return IPVS_CMD_DEL_DEST;
  }
  return IPVS_CMD_UNSPEC;
}

// Every netlink message in a buffer that nl_recv filled.
template <typename Fn>
void ForEachMessage(unsigned char* buf, int len, Fn fn) {
  for (auto* h = reinterpret_cast<nlmsghdr*>(buf); nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
    if (!fn(h)) return;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<IpvsNetlink>> IpvsNetlink::Create() {
  nl_sock* sock = nl_socket_alloc();
  if (!sock) return absl::ResourceExhaustedError("netlink: cannot allocate a socket");
  int err = genl_connect(sock);
  if (err < 0) {
    nl_socket_free(sock);
    return LibnlError(err, "connecting to generic netlink");
  }
  int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (family < 0) {
    nl_socket_free(sock);
    return NotAvailableError();
  }
  nl_socket_disable_auto_ack(sock);
  nl_socket_disable_seq_check(sock);
  nl_socket_set_buffer_size(sock, kSocketBuffer, kSocketBuffer);
  int one = 1;
  // Error acks then carry only the failed message's header, not the whole message.
  setsockopt(nl_socket_get_fd(sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  return std::unique_ptr<IpvsNetlink>(new IpvsNetlink(sock, family));
}

IpvsNetlink::~IpvsNetlink() { nl_socket_free(sock_); }

nl_msg* IpvsNetlink::NewMessage(uint8_t cmd, int flags) {
  nl_msg* msg = nlmsg_alloc();
  if (!msg) return nullptr;
  if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, flags, cmd, IPVS_GENL_VERSION)) {
    nlmsg_free(msg);
    return nullptr;
  }
  return msg;
}

absl::StatusOr<int> IpvsNetlink::Transact(nl_msg* raw, bool dump,
                                          const std::function<void(nlmsghdr*)>& on_reply) {
  MsgPtr msg(raw);
  if (!msg) return absl::ResourceExhaustedError("netlink: cannot build a message");
  if (!dump) nlmsg_hdr(msg.get())->nlmsg_flags |= NLM_F_ACK;
  nl_complete_msg(sock_, msg.get());
  const uint32_t seq = nlmsg_hdr(msg.get())->nlmsg_seq;
  int err = nl_send(sock_, msg.get());
  ++sendmsg_calls_;
  if (err < 0) return LibnlError(err, "sending to IPVS");
  std::optional<int> result;
  while (!result) {
    absl::Status s = ReceiveOnce("reading from IPVS", [&](nlmsghdr* h) {
      if (h->nlmsg_seq != seq) return true;  // a stray answer to an earlier request
      if (h->nlmsg_type == NLMSG_DONE) {
        result = 0;
        return false;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        result = static_cast<nlmsgerr*>(nlmsg_data(h))->error;
        return false;
      }
      on_reply(h);
      return true;
    });
    if (!s.ok()) return s;
  }
  return *result;
}

absl::Status IpvsNetlink::ReceiveOnce(const char* what,
                                      const std::function<bool(nlmsghdr*)>& each) {
  sockaddr_nl peer;
  unsigned char* buf = nullptr;
  int n = nl_recv(sock_, &peer, &buf, nullptr);
  if (n <= 0) {
    free(buf);
    return LibnlError(n == 0 ? -NLE_MSG_TRUNC : n, what);
  }
  ForEachMessage(buf, n, each);
  free(buf);
  return absl::OkStatus();
}

absl::Status IpvsNetlink::SendBatch(const std::string& batch) {
  int err = nl_sendto(sock_, const_cast<char*>(batch.data()), batch.size());
  ++sendmsg_calls_;
  if (err < 0) return LibnlError(err, "sending to IPVS");
  return absl::OkStatus();
}

absl::Status IpvsNetlink::Query(nl_msg* msg, bool dump, int max_attr, const std::string& what,
                                const std::function<void(nlattr** tb)>& on_reply) {
  std::vector<nlattr*> tb(max_attr + 1);
  auto r = Transact(msg, dump, [&](nlmsghdr* h) {
    std::fill(tb.begin(), tb.end(), nullptr);
    if (genlmsg_parse(h, 0, tb.data(), max_attr, nullptr) < 0) return;
    on_reply(tb.data());
  });
  if (!r.ok()) return r.status();
  if (*r) return RequestError(-*r, what);
  return absl::OkStatus();
}

struct IpvsNetlink::Batch {
  std::vector<std::pair<size_t, MsgPtr>> msgs;  // each with its operation's index
  size_t bytes = 0;
};

IpvsNetlink::Batch IpvsNetlink::NextBatch(absl::Span<const Operation> ops, size_t* next,
                                          std::vector<absl::Status>& out) {
  Batch batch;
  while (*next < ops.size() && batch.bytes < kBatchBytes) {
    const Operation& op = ops[*next];
    MsgPtr msg(NewMessage(CommandOf(op.kind), 0));
    const bool full_service =
        op.kind == Operation::Kind::kAddService || op.kind == Operation::Kind::kEditService;
    const bool full_dest =
        op.kind == Operation::Kind::kAddDest || op.kind == Operation::Kind::kEditDest;
    int err = msg ? PutService(msg.get(), op.service, full_service) : -NLE_NOMEM;
    if (!err && op.is_dest()) err = PutDest(msg.get(), op.dest, full_dest);
    if (err) {
      out[(*next)++] = absl::ResourceExhaustedError(
          absl::StrCat(op.ToString(), ": cannot build the request: ", nl_geterror(err)));
      continue;
    }
    batch.bytes += NLMSG_ALIGN(nlmsg_hdr(msg.get())->nlmsg_len);
    batch.msgs.emplace_back((*next)++, std::move(msg));
  }
  return batch;
}

absl::Status IpvsNetlink::RunBatch(Batch& batch, absl::Span<const Operation> ops,
                                   std::vector<absl::Status>& out) {
  // One message asks for an ack, the last.
  nlmsg_hdr(batch.msgs.back().second.get())->nlmsg_flags |= NLM_F_ACK;
  std::string bytes;
  bytes.reserve(batch.bytes);
  std::unordered_map<uint32_t, size_t> index_of_seq;
  for (auto& [index, msg] : batch.msgs) {
    nl_complete_msg(sock_, msg.get());
    nlmsghdr* h = nlmsg_hdr(msg.get());
    index_of_seq[h->nlmsg_seq] = index;
    bytes.append(reinterpret_cast<const char*>(h), NLMSG_ALIGN(h->nlmsg_len));
  }
  const uint32_t last_seq = nlmsg_hdr(batch.msgs.back().second.get())->nlmsg_seq;
  if (absl::Status s = SendBatch(bytes); !s.ok()) return s;
  // Errors arrive as the kernel meets them; the last message's answer ends the batch.
  bool done = false;
  while (!done) {
    absl::Status s = ReceiveOnce("reading IPVS answers", [&](nlmsghdr* h) {
      if (h->nlmsg_type != NLMSG_ERROR) return true;
      auto it = index_of_seq.find(h->nlmsg_seq);
      if (it == index_of_seq.end()) return true;
      int error = static_cast<nlmsgerr*>(nlmsg_data(h))->error;
      if (error) out[it->second] = KernelError(-error, ops[it->second]);
      if (h->nlmsg_seq == last_seq) done = true;
      return !done;
    });
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::vector<absl::Status> IpvsNetlink::Apply(absl::Span<const Operation> ops) {
  std::vector<absl::Status> out(ops.size(), absl::OkStatus());
  size_t next = 0;
  while (next < ops.size()) {
    const size_t first = next;
    Batch batch = NextBatch(ops, &next, out);
    if (batch.msgs.empty()) continue;
    // A batch that could not be sent, or whose answers could not be read: each of its
    // operations not already refused gets that error.
    if (absl::Status s = RunBatch(batch, ops, out); !s.ok()) {
      for (size_t i = first; i < next; ++i) {
        if (out[i].ok()) out[i] = s;
      }
    }
  }
  return out;
}

template <typename T>
absl::StatusOr<T> IpvsNetlink::GetU32s(uint8_t cmd, int max_attr, const std::string& what,
                                       std::initializer_list<U32Field<T>> fields) {
  T out;
  absl::Status s = Query(NewMessage(cmd, 0), false, max_attr, what, [&](nlattr** tb) {
    for (const auto& [attr, field] : fields) out.*field = U32(tb[attr]);
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<IpvsInfo> IpvsNetlink::GetInfo() {
  return GetU32s<IpvsInfo>(IPVS_CMD_GET_INFO, IPVS_INFO_ATTR_MAX, "reading IPVS info",
                           {{IPVS_INFO_ATTR_VERSION, &IpvsInfo::version},
                            {IPVS_INFO_ATTR_CONN_TAB_SIZE, &IpvsInfo::conn_table_size}});
}

absl::StatusOr<std::vector<Dest>> IpvsNetlink::DumpDests(const ServiceSpec& service) {
  std::vector<Dest> dests;
  nl_msg* msg = NewMessage(IPVS_CMD_GET_DEST, NLM_F_DUMP);
  if (msg && PutService(msg, service, false) < 0) {
    nlmsg_free(msg);
    msg = nullptr;
  }
  absl::Status s =
      Query(msg, true, IPVS_CMD_ATTR_MAX,
            absl::StrCat("listing the reals of ", service.key.ToString()), [&](nlattr** tb) {
              auto d = ParseDest(tb[IPVS_CMD_ATTR_DEST], service.key.af);
              if (d) dests.push_back(*d);
            });
  if (!s.ok()) return s;
  return dests;
}

absl::StatusOr<Table> IpvsNetlink::Dump() {
  Table table;
  absl::Status s = Query(NewMessage(IPVS_CMD_GET_SERVICE, NLM_F_DUMP), true, IPVS_CMD_ATTR_MAX,
                         "listing IPVS services", [&](nlattr** tb) {
                           auto svc = ParseService(tb[IPVS_CMD_ATTR_SERVICE]);
                           if (svc) table[svc->spec.key] = std::move(*svc);
                         });
  if (!s.ok()) return s;
  for (auto& [key, svc] : table) {
    auto dests = DumpDests(svc.spec);
    if (!dests.ok()) return dests.status();
    for (const Dest& d : *dests) svc.dests[d.spec.key] = d;
  }
  return table;
}

absl::StatusOr<Timeouts> IpvsNetlink::GetTimeouts() {
  return GetU32s<Timeouts>(IPVS_CMD_GET_CONFIG, IPVS_CMD_ATTR_MAX, "reading IPVS timeouts",
                           {{IPVS_CMD_ATTR_TIMEOUT_TCP, &Timeouts::tcp_s},
                            {IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, &Timeouts::tcp_fin_s},
                            {IPVS_CMD_ATTR_TIMEOUT_UDP, &Timeouts::udp_s}});
}

absl::Status IpvsNetlink::SetTimeouts(const Timeouts& t) {
  nl_msg* msg = NewMessage(IPVS_CMD_SET_CONFIG, 0);
  if (msg) {
    int err = 0;
    if (t.tcp_s) err = err ?: nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp_s);
    if (t.tcp_fin_s) err = err ?: nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin_s);
    if (t.udp_s) err = err ?: nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp_s);
    if (err) {
      nlmsg_free(msg);
      msg = nullptr;
    }
  }
  return Query(msg, false, IPVS_CMD_ATTR_MAX, "setting IPVS timeouts", [](nlattr**) {});
}

absl::StatusOr<std::vector<SyncDaemon>> IpvsNetlink::GetSyncDaemons() {
  std::vector<SyncDaemon> out;
  absl::Status s = Query(NewMessage(IPVS_CMD_GET_DAEMON, NLM_F_DUMP), true, IPVS_CMD_ATTR_MAX,
                         "reading the connection sync daemons", [&](nlattr** top) {
                           nlattr* tb[IPVS_DAEMON_ATTR_MAX + 1] = {};
                           if (!ParseNested(tb, top[IPVS_CMD_ATTR_DAEMON])) return;
                           SyncDaemon d;
                           d.role = static_cast<SyncRole>(U32(tb[IPVS_DAEMON_ATTR_STATE]));
                           d.interface = Str(tb[IPVS_DAEMON_ATTR_MCAST_IFN]);
                           d.sync_id = U32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
                           d.max_len = U16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
                           if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
                             d.group = Addr(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6], AF_INET6);
                           } else if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
                             d.group = Addr(tb[IPVS_DAEMON_ATTR_MCAST_GROUP], AF_INET);
                           }
                           d.port = U16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);
                           d.ttl = U8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
                           out.push_back(d);
                         });
  if (!s.ok()) return s;
  return out;
}

absl::Status IpvsNetlink::StartSyncDaemon(const SyncDaemon& d) {
  nl_msg* msg = NewMessage(IPVS_CMD_NEW_DAEMON, 0);
  if (msg) {
    nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON);
    int err = nest ? 0 : -NLE_NOMEM;
    err = err ?: nla_put_u32(msg, IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(d.role));
    err = err ?: nla_put_string(msg, IPVS_DAEMON_ATTR_MCAST_IFN, d.interface.c_str());
    err = err ?: nla_put_u32(msg, IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id);
    if (d.max_len) err = err ?: nla_put_u16(msg, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.max_len);
    if (d.group && d.group->af() == AF_INET)
      err = err ?: nla_put(msg, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, d.group->raw().data());
    if (d.group && d.group->af() == AF_INET6)
      err = err ?: nla_put(msg, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, d.group->raw().data());
    if (d.port) err = err ?: nla_put_u16(msg, IPVS_DAEMON_ATTR_MCAST_PORT, d.port);
    if (d.ttl) err = err ?: nla_put_u8(msg, IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl);
    if (nest) nla_nest_end(msg, nest);
    if (err) {
      nlmsg_free(msg);
      msg = nullptr;
    }
  }
  auto r = Transact(msg, false, [](nlmsghdr*) {});
  if (!r.ok()) return r.status();
  if (*r) return SyncDaemonError(-*r, d.role);
  return absl::OkStatus();
}

absl::Status IpvsNetlink::StopSyncDaemon(SyncRole role) {
  nl_msg* msg = NewMessage(IPVS_CMD_DEL_DAEMON, 0);
  if (msg) {
    nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON);
    if (!nest || nla_put_u32(msg, IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(role)) < 0) {
      nlmsg_free(msg);
      msg = nullptr;
    } else {
      nla_nest_end(msg, nest);
    }
  }
  auto r = Transact(msg, false, [](nlmsghdr*) {});
  if (!r.ok()) return r.status();
  if (*r) return SyncDaemonError(-*r, role);
  return absl::OkStatus();
}

}  // namespace lvs::ipvs
