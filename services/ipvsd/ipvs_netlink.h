// IpvsKernel over generic netlink (family "IPVS") with libnl-genl.
//
// Apply() packs many requests into one sendmsg and asks for an acknowledgement only
// on the last one of each batch: the kernel handles a batch's messages in order,
// answers a failed one with its error at once, and the last ack then says the whole
// batch is done. Programming N entries costs a handful of system calls, not 2N.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>

#include "services/ipvsd/ipvs_kernel.h"

struct nl_sock;
struct nl_msg;
struct nlmsghdr;
struct nlattr;

namespace lvs::ipvs {

class IpvsNetlink final : public IpvsKernel {
 public:
  // Fails with UNAVAILABLE when the kernel has no IPVS.
  static absl::StatusOr<std::unique_ptr<IpvsNetlink>> Create();
  ~IpvsNetlink() override;

  absl::StatusOr<IpvsInfo> GetInfo() override;
  absl::StatusOr<Table> Dump() override;
  std::vector<absl::Status> Apply(absl::Span<const Operation> ops) override;
  absl::StatusOr<Timeouts> GetTimeouts() override;
  absl::Status SetTimeouts(const Timeouts& t) override;
  absl::StatusOr<std::vector<SyncDaemon>> GetSyncDaemons() override;
  absl::Status StartSyncDaemon(const SyncDaemon& d) override;
  absl::Status StopSyncDaemon(SyncRole role) override;

  // Netlink messages sent so far (batches count once): for the benchmark.
  uint64_t sendmsg_calls() const { return sendmsg_calls_; }

 private:
  IpvsNetlink(nl_sock* sock, int family) : sock_(sock), family_(family) {}

  nl_msg* NewMessage(uint8_t cmd, int flags);
  // Sends one request and reads its answers until the ack (or the end of a dump);
  // each data message goes to on_reply. Returns the kernel's error as a negative
  // errno, 0 on success, or a libnl transport error as a status.
  absl::StatusOr<int> Transact(nl_msg* msg, bool dump,
                               const std::function<void(nlmsghdr*)>& on_reply);
  // Transact, with each answer's generic netlink attributes (up to max_attr) given
  // to on_reply, and the kernel's refusal as RequestError(what).
  absl::Status Query(nl_msg* msg, bool dump, int max_attr, const std::string& what,
                     const std::function<void(nlattr** tb)>& on_reply);
  // A netlink attribute read as a u32 into a field of T.
  template <typename T>
  using U32Field = std::pair<int, uint32_t T::*>;
  // Query for a GET command (no dump) whose one answer is u32 attributes, read into a T.
  template <typename T>
  absl::StatusOr<T> GetU32s(uint8_t cmd, int max_attr, const std::string& what,
                            std::initializer_list<U32Field<T>> fields);
  // Apply's requests packed into one sendmsg (ipvs_netlink.cc).
  struct Batch;
  // Builds the requests of ops[*next...] up to a batch's size; an operation whose
  // request cannot be built gets its error in `out` instead.
  Batch NextBatch(absl::Span<const Operation> ops, size_t* next, std::vector<absl::Status>& out);
  // Sends the batch and reads the answers up to its last one's ack: each refused
  // operation's error goes to `out`. A failed send or read is returned.
  absl::Status RunBatch(Batch& batch, absl::Span<const Operation> ops,
                        std::vector<absl::Status>& out);
  absl::Status SendBatch(const std::string& batch);
  // Reads what one recvmsg brings and gives each message to `each` until it returns
  // false. A failed read is returned, named by `what`.
  absl::Status ReceiveOnce(const char* what, const std::function<bool(nlmsghdr*)>& each);
  absl::StatusOr<std::vector<Dest>> DumpDests(const ServiceSpec& service);

  nl_sock* sock_;
  int family_;
  uint64_t sendmsg_calls_ = 0;
};

}  // namespace lvs::ipvs
