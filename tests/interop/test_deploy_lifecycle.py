"""Deployment semantics with zeek-client: redeploys, persistence, pending
deployments, request timeouts and TLS."""

import datetime
import json
import os
import subprocess
import time

from interop_helpers import LOCAL_AGENT, ZEEK_CLIENT, node_pids, zeek_client

CFG = """\
[manager]
role = manager
[logger]
role = logger
[worker-01]
role = worker
interface = lo
"""


def wait_running(emu, deadline=5.0):
    end = time.monotonic() + deadline
    while True:
        out = zeek_client(emu, "get-nodes").json
        nodes = out["results"][LOCAL_AGENT]
        if (all(s["state"] == "RUNNING" for s in nodes.values()) and len(nodes) > 2) or time.monotonic() > end:
            return out
        time.sleep(0.2)


def test_redeploy_same_id_keeps_nodes_new_id_restarts(start_emulator, write_cfg):
    emu = start_emulator("--interfaces", "lo")
    cfg = write_cfg(CFG)
    first = zeek_client(emu, "deploy-config", cfg)
    assert first.rc == 0, first
    config_id = first.json["results"]["id"]
    pids = node_pids(zeek_client(emu, "get-nodes").json, LOCAL_AGENT)

    # deploy again without re-staging: agents run this id already, no per-node results
    again = zeek_client(emu, "deploy")
    assert again.rc == 0, again
    assert again.json == {"errors": [], "results": {"id": config_id}}
    assert node_pids(zeek_client(emu, "get-nodes").json, LOCAL_AGENT) == pids

    # the same content under a new id restarts every node
    fresh = zeek_client(emu, "deploy-config", cfg)
    assert fresh.rc == 0
    assert fresh.json["results"]["id"] != config_id
    assert sorted(fresh.json["results"]["nodes"]) == ["logger", "manager", "worker-01"]
    new_pids = node_pids(zeek_client(emu, "get-nodes").json, LOCAL_AGENT)
    assert sorted(new_pids) == sorted(pids)
    assert all(new_pids[n] != pids[n] for n in pids)
    assert min(new_pids.values()) > max(pids.values())  # pids increase


def test_persistence_across_restart(start_emulator, write_cfg):
    emu = start_emulator("--interfaces", "lo")
    assert zeek_client(emu, "deploy-config", write_cfg(CFG)).rc == 0
    staged = zeek_client(emu, "get-config", "--as-json").json
    deployed = zeek_client(emu, "get-config", "--as-json", "--deployed").json
    staged_ini = zeek_client(emu, "get-config").stdout
    nodes_before = wait_running(emu)["results"][LOCAL_AGENT]
    with open(os.path.join(emu.state_dir, "g_configs.json")) as handle:
        assert sorted(json.load(handle)) == ["DEPLOYED", "READY", "STAGED"]
    requests_before = len(emu.requests())

    emu.restart()
    assert zeek_client(emu, "get-config", "--as-json").json == staged
    assert zeek_client(emu, "get-config", "--as-json", "--deployed").json == deployed
    assert zeek_client(emu, "get-config").stdout == staged_ini
    # The persisted deployment is redeployed internally: no client request needed.
    nodes_after = wait_running(emu)["results"][LOCAL_AGENT]
    assert sorted(nodes_after) == sorted(nodes_before)
    for name, status in nodes_after.items():
        assert status["state"] == "RUNNING"
        assert dict((k, v) for k, v in status.items() if k != "pid") == \
            dict((k, v) for k, v in nodes_before[name].items() if k != "pid")
    assert [r.name for r in emu.requests()[requests_before:]].count("deploy_request") == 0
    out = zeek_client(emu, "get-id-value", "bits_per_uid", "manager")
    assert out.json == {"errors": [], "results": {"manager": 96}}


def test_staged_only_survives_restart(start_emulator, write_cfg):
    emu = start_emulator("--interfaces", "lo")
    staged = zeek_client(emu, "stage-config", write_cfg(CFG))
    assert staged.rc == 0
    emu.restart()
    assert zeek_client(emu, "get-config", "--deployed").stderr.strip() == "error: no deployed configuration available"
    out = zeek_client(emu, "deploy")  # READY was persisted too
    assert out.rc == 0, out
    assert out.json["results"]["id"] == staged.json["results"]["id"]
    assert sorted(out.json["results"]["nodes"]) == ["logger", "manager", "worker-01"]


def test_missing_agent_times_out_and_blocks_other_deploys(start_emulator, write_cfg):
    emu = start_emulator("--agent", "instance-1", "--request-timeout", "3", "--interfaces", "lo")
    cfg = write_cfg("[instances]\ninstance-1\ninstance-2\n"
                    "[manager]\ninstance = instance-1\nrole = manager\n"
                    "[worker]\ninstance = instance-2\nrole = worker\ninterface = lo\n")
    assert zeek_client(emu, "stage-config", cfg).rc == 0
    env = dict(os.environ)
    env.pop("ZEEK_CLIENT_CONFIG_SETTINGS", None)
    started = time.monotonic()
    first = subprocess.Popen([ZEEK_CLIENT, "--controller", "127.0.0.1:%d" % emu.port, "--set",
                              "client.request_timeout_secs=10", "deploy"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        end = time.monotonic() + 5
        while not emu.requests("deploy_request") and time.monotonic() < end:
            time.sleep(0.05)
        pending = emu.requests("deploy_request")[0].reqid
        second = zeek_client(emu, "deploy")
        assert second.rc == 1
        assert second.json == {"errors": ["earlier deployment %s still pending" % pending], "results": {}}
        stdout, _stderr = first.communicate(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
    assert time.monotonic() - started >= 2.9
    assert first.returncode == 1
    assert json.loads(stdout) == {"errors": ["request timed out"], "results": {}}
    # DEPLOYED is not updated by a timed-out deployment.
    assert zeek_client(emu, "get-config", "--deployed").rc == 1


def test_test_timeout(start_emulator):
    emu = start_emulator("--request-timeout", "2")
    started = time.monotonic()
    out = zeek_client(emu, "test-timeout", "--with-state", timeout=10)
    assert out.rc == 0, out
    assert json.loads(out.stdout) == {"error": "request timed out", "success": False}
    assert time.monotonic() - started >= 1.9

    out = zeek_client(emu, "test-timeout", timeout=1)
    assert out.rc == 1
    assert out.stdout == ""
    assert out.stderr.strip() == "error: no response received: websocket connection to 127.0.0.1:%d timed out" % emu.port


def test_tls_anonymous_broker_style(start_emulator, write_cfg):
    emu = start_emulator("--tls", "--interfaces", "lo", zeek_version="8.0")
    assert emu.url.startswith("wss://")
    out = zeek_client(emu, "deploy-config", write_cfg(CFG), settings=["ssl.enable=true"])
    assert out.rc == 0, out
    assert sorted(out.json["results"]["nodes"]) == ["logger", "manager", "worker-01"]
    out = zeek_client(emu, "get-nodes", settings=["ssl.enable=true"])
    assert out.rc == 0 and out.json["results"][LOCAL_AGENT]["manager"]["port"] == 2200
    # zeek-client 1.5.0 defaults to plain ws: it cannot talk to a TLS controller.
    out = zeek_client(emu, "get-instances")
    assert out.rc == 1
    assert out.stdout == ""


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_tls_with_certificate(start_emulator, tmp_path):
    """deploy-a2c-authenticated: wss with a certificate the client verifies."""
    cert, key = _self_signed(tmp_path)
    emu = start_emulator("--tls-cert", cert, "--tls-key", key)
    assert emu.url.startswith("wss://")
    settings = ["ssl.enable=true", "ssl.certificate=%s" % cert, "ssl.keyfile=%s" % key, "ssl.cafile=%s" % cert]
    out = zeek_client(emu, "get-instances", settings=settings)
    assert out.rc == 0, out
    assert out.json == {LOCAL_AGENT: {"host": "127.0.0.1"}}
    assert zeek_client(emu, "get-instances").rc == 1


def test_damaged_state_file_starts_empty(start_emulator, write_cfg):
    emu = start_emulator("--interfaces", "lo")
    assert zeek_client(emu, "stage-config", write_cfg(CFG)).rc == 0
    emu.stop()
    with open(os.path.join(emu.state_dir, "g_configs.json"), "w") as handle:
        handle.write("{not json")
    emu.start()
    assert zeek_client(emu, "get-config").stderr.strip() == "error: no staged configuration available"
    assert any(line.split(" ", 2)[1] == "warning" and "cannot load persisted state" in line
               for line in emu.log_lines())
    # ... and it persists again from then on.
    assert zeek_client(emu, "stage-config", write_cfg(CFG)).rc == 0
    emu.restart()
    assert zeek_client(emu, "get-config").rc == 0
