"""Stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into its sanity-test virtual environments with a
get-pip.py fetched from a host this project's machines cannot reach. This file
is placed in ansible-test's cache under the expected name instead: it installs
pip from the interpreter's bundled wheel (ensurepip) and then lets that pip
install the exact packages ansible-test asked for, from the package index.
"""
import ensurepip
import os
import subprocess
import sys

SKIPPED_FLAGS = {"--no-setuptools", "--no-wheel"}
# ansible-test runs this with a stripped environment (no PIP_CERT or
# SSL_CERT_FILE). The pip that ensurepip bundles then trusts only its own CA
# list, which fails behind a TLS-inspecting proxy; the pip it installs reads
# the system pip.conf again.
SYSTEM_CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def main():
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in SKIPPED_FLAGS]
    env = dict(os.environ)
    # ensurepip points PIP_CONFIG_FILE at /dev/null for its own run and leaves
    # it set; the install below must read the machine's pip configuration.
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        del env["PIP_CONFIG_FILE"]
    if "SSL_CERT_FILE" not in env:
        for bundle in SYSTEM_CA_BUNDLES:
            if os.path.exists(bundle):
                env["SSL_CERT_FILE"] = bundle
                break
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))


if __name__ == "__main__":
    main()
