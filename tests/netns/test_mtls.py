"""The orchestration listener: a daemon's TCP gRPC port with mutual TLS.

checkd (it needs no config) listens on 127.0.0.1 inside a namespace of its own
with a server certificate from a test CA. lvsctl with a client certificate from
that CA gets an answer; lvsctl with a certificate from another CA is refused, and
so is a TLS client that presents no certificate at all.
"""
# ctest-timeout: 120
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvsnet import Lab, expect  # noqa: E402

BIN = os.environ.get("LVS_BIN", "build/bin")
PORT = 9443


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, san=None):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", cwd=d)
    ext = os.path.join(d, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", f"{name}.pem", cwd=d)



def main():
    with tempfile.TemporaryDirectory() as d, Lab("mtls") as lab:
        make_ca(d, "ca")
        make_ca(d, "rogue-ca")
        make_cert(d, "ca", "server", san="IP:127.0.0.1")
        make_cert(d, "ca", "client")
        make_cert(d, "rogue-ca", "rogue")
        host = lab.add_host("lvs1", ["192.168.64.130/24"])
        run_dir = os.path.join(d, "run")
        checkd = host.spawn([f"{BIN}/checkd", "--run-dir", run_dir, "--listen", f"127.0.0.1:{PORT}",
                             "--tls-cert", f"{d}/server.pem", "--tls-key", f"{d}/server.key",
                             "--tls-ca", f"{d}/ca.pem"], name="checkd")
        checkd.required = True
        lab.wait_until(lambda: os.path.exists(os.path.join(run_dir, "checkd.sock")), 20, "checkd serves")

        def lvsctl(cert):
            return host.run([f"{BIN}/lvsctl", "show", "checks", "--json", "--timeout", "5",
                             "--connect", f"127.0.0.1:{PORT}", "--tls-cert", f"{d}/{cert}.pem",
                             "--tls-key", f"{d}/{cert}.key", "--tls-ca", f"{d}/ca.pem"], check=False)

        good = lvsctl("client")
        expect(good.returncode == 0, "a client with a certificate from the CA is answered",
               good.stdout + good.stderr)
        bad = lvsctl("rogue")
        expect(bad.returncode == 1 and "UNAVAILABLE" in bad.stderr,
               "a client with a certificate from another CA is refused", bad.stdout + bad.stderr)
        # A TLS client with no certificate: the handshake must fail. TLS 1.2, because
        # in 1.3 the server rejects the client only after the handshake completes.
        bare = host.run(f"echo | openssl s_client -connect 127.0.0.1:{PORT} -CAfile {d}/ca.pem "
                        f"-verify_return_error -brief -tls1_2 2>&1; echo rc=$?", check=False, timeout=20)
        expect("rc=0" not in bare.stdout,
               "a TLS client without a certificate is refused", bare.stdout)
        # The local socket works as before, without TLS.
        local = host.run([f"{BIN}/lvsctl", "show", "checks", "--run-dir", run_dir], check=False)
        expect(local.returncode == 0, "the Unix socket still answers", local.stdout + local.stderr)


if __name__ == "__main__":
    main()
