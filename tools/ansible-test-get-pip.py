"""Stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into its sanity-test virtual environments with a
get-pip.py fetched from a host this project's machines cannot reach. This file
is placed in ansible-test's cache under the expected name instead: it installs
pip from the interpreter's bundled wheel (ensurepip) and then lets that pip
install the exact packages ansible-test asked for, from the package index.
"""
import ensurepip
import subprocess
import sys

SKIPPED_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in SKIPPED_FLAGS]
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))


if __name__ == "__main__":
    main()
