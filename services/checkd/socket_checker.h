// What every checker over one socket of its own shares (TCP_CHECK, HTTP_GET,
// SMTP_CHECK, UDP_CHECK, DNS_CHECK): the socket opened and watched on the loop,
// a connect_timeout armed per wait, and one way to finish — the socket closed,
// the timer cancelled, `done` called once. Subclasses say what to do with the
// socket's events and what a timeout means.
#pragma once

#include <functional>
#include <string>

#include "lib/event/event_loop.h"
#include "services/checkd/checker.h"
#include "services/checkd/socket_address.h"

namespace lvs::checkd {

class SocketChecker : public Checker {
 public:
  ~SocketChecker() override { CloseSocket(); }
  void Cancel() override;

 protected:
  SocketChecker(event::EventLoop* loop, const CheckerSpec& spec) : loop_(loop), spec_(spec) {}

  // Opens a socket of `type` to the checker's destination (StartConnect) and
  // watches it for `events`, which OnEvents gets. False when it failed: the
  // probe has then finished with that failure. connected() is then whether
  // connect() completed at once (a datagram socket always does).
  bool Open(int type, bool reset_on_close, uint32_t events);
  bool connected() const { return connected_; }
  // On a stream socket's events while its connect is in progress: true when it has
  // completed now. False while it is still in progress, or when it failed (Failed
  // has then had the outcome).
  bool CompleteConnect();
  // connect_timeout from now, replacing the previous one; `on_timeout` runs in its place.
  void Arm(std::function<void()> on_timeout);
  // The same for a checker that talks: when it passes, Failed gets "no answer in
  // 3 s (waiting for the <what>)" (without the parenthesis when `what` is empty).
  void ArmWaiting(std::string what);
  // For a checker that talks, once it has nothing more to send: watches for the
  // answer alone, waiting for it as ArmWaiting does. True when `events` (those that
  // woke it) say some of it may be there already.
  bool AwaitAnswer(uint32_t events, std::string what);
  // A failed connect or a timeout: Finish. A checker of several steps may end only
  // the step.
  virtual void Failed(CheckOutcome outcome) { Finish(std::move(outcome)); }
  void Watch(uint32_t events);  // changes the events watched; a failure finishes the probe
  void CloseSocket();
  // Ends the probe: the socket closed, subclass state reset, then `done`.
  void Finish(CheckOutcome outcome);
  // The subclass's per-probe state, dropped by Cancel and Finish.
  virtual void Reset() {}
  virtual void OnEvents(uint32_t events) = 0;

  event::EventLoop* const loop_;
  const CheckerSpec spec_;
  int fd_ = -1;
  Done done_;

 private:
  event::EventLoop::TimerId timer_ = 0;
  bool connected_ = false;
};

}  // namespace lvs::checkd
