// keepalived's notify FIFOs (notify_fifo, vrrp_notify_fifo, lvs_notify_fifo): a
// named pipe the daemon writes one line per event to ("INSTANCE "VI_1" MASTER
// 100", "RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN"), created when missing and
// removed at close if it made it, with an optional script started once to read it
// (given the FIFO's path as its last argument).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/proc/credentials.h"
#include "lib/proc/script_runner.h"

namespace lvs::proc {

struct NotifyFifoSpec {
  std::string path;         // empty: none
  std::string user, group;  // the FIFO's owner when it is created; empty: the default script user
  std::string script;       // *_notify_fifo_script; empty: none
  std::string script_user, script_group;
  friend bool operator==(const NotifyFifoSpec&, const NotifyFifoSpec&) = default;
};

class NotifyFifo {
 public:
  NotifyFifo() = default;
  ~NotifyFifo() { Close(); }
  NotifyFifo(const NotifyFifo&) = delete;
  NotifyFifo& operator=(const NotifyFifo&) = delete;

  // Closes what is open, then opens `spec` (nothing when its path is empty). The
  // script, if any, runs through `runner` as its user (else `default_user`).
  absl::Status Open(const NotifyFifoSpec& spec, ScriptRunner& runner,
                    const absl::StatusOr<Credentials>& default_user);
  bool is_open() const { return fd_ >= 0; }
  const NotifyFifoSpec& spec() const { return spec_; }

  // One line (the newline is added). Never blocks: with no reader keeping up and
  // the pipe full, the line is dropped and counted.
  void Write(std::string_view line);
  uint64_t dropped() const { return dropped_; }

  // Removes the FIFO if Open made it (so a reader looping on it stops), closes it.
  void Close();

 private:
  NotifyFifoSpec spec_;
  int fd_ = -1;
  bool created_ = false;
  uint64_t dropped_ = 0;
};

}  // namespace lvs::proc
