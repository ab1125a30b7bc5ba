"""Stand-ins for a Zeek installation, used only by the role tests.

No Zeek binary can be installed on the CI machines (neither PyPI, npm nor Debian ship
one), so the tests give the roles a prefix whose bin/zeek-config, bin/zeek and bin/zkg
are small shell scripts. They behave like the real programs in the ways the roles rely
on, and they check what the roles pass them:

* zeek-config answers --version/--prefix/--site_dir/--plugin_dir/--script_dir in
  argument order, like the real one;
* zkg insists on --configfile naming an existing file with a [paths] section, on
  zeek-config being on PATH and on the --user-var/--version it is given, records
  "<package> (installed: <version>)" and drops a plugin marker;
* zeek -NN NCSA::ZeroMQWriter prints the plugin's real -NN text once the marker exists
  and fails like Zeek does before that.
"""
import os
import stat
import textwrap

ZEEK_CONFIG = r"""#!/bin/sh
# Test stand-in for zeek-config (see tests/roles/standins.py).
P=$(cd "$(dirname "$0")/.." && pwd)
for a in "$@"; do
  case "$a" in
    --version) echo "@VERSION@" ;;
    --prefix) echo "$P" ;;
    --site_dir) echo "$P/share/zeek/site" ;;
    --plugin_dir) echo "$P/lib/zeek/plugins" ;;
    --script_dir) echo "$P/share/zeek" ;;
    *) echo "zeek-config: unknown option $a" >&2; exit 1 ;;
  esac
done
"""

ZEEK = r"""#!/bin/sh
# Test stand-in for zeek (see tests/roles/standins.py).
P=$(cd "$(dirname "$0")/.." && pwd)
case "$1" in
  --version) echo "zeek version @VERSION@" ;;
  -NN)
    if [ "$2" = "NCSA::ZeroMQWriter" ] && [ -e "$P/lib/zeek/plugins/packages/bro-zeromq-writer/__zeek_plugin__" ]; then
      printf '%s\n' 'NCSA::ZeroMQWriter - ZeroMQ log writer (dynamic, version 0.3.0)' \
        '    [Writer] ZeroMQ (Log::WRITER_ZEROMQ)' \
        '    [Constant] LogZeroMQ::endpoint' \
        '    [Constant] LogZeroMQ::zmq_hwm' \
        '    [Constant] LogZeroMQ::zmq_linger' \
        '    [Constant] LogZeroMQ::zmq_connect_pause' ''
    else
      echo "error: plugin $2 is not available" >&2; exit 1
    fi ;;
  *) echo "zeek stand-in: unsupported arguments: $*" >&2; exit 2 ;;
esac
"""

ZKG = r"""#!/bin/sh
# Test stand-in for zkg (see tests/roles/standins.py).
P=$(cd "$(dirname "$0")/.." && pwd)
STATE="$P/var/lib/zkg-standin"
[ "$1" = "--configfile" ] || { echo "zkg stand-in: --configfile first, please" >&2; exit 2; }
CFG="$2"; shift 2
grep -q '^\[paths\]' "$CFG" 2>/dev/null || { echo "zkg: error: no usable config file $CFG" >&2; exit 1; }
cmd="$1"; shift
case "$cmd" in
  list)
    [ "$1" = installed ] || exit 2
    cat "$STATE/installed" 2>/dev/null; exit 0 ;;
  install|unbundle)
    command -v zeek-config >/dev/null || { echo 'Either zeek-config must be in PATH' >&2; exit 1; }
    version=""; pkg=""; uv=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --force|--skiptests) ;;
        --user-var=*) uv="$uv ${1#--user-var=}" ;;
        --version) version="$2"; shift ;;
        -*) echo "zkg stand-in: unknown option $1" >&2; exit 2 ;;
        *) pkg="$1" ;;
      esac
      shift
    done
    case "$uv" in *ZEROMQ_PREFIX=*) ;; *) echo "zkg stand-in: ZEROMQ_PREFIX not given" >&2; exit 1 ;; esac
    if [ "$cmd" = unbundle ]; then
      [ -f "$pkg" ] || { echo "zkg: bundle $pkg not found" >&2; exit 1; }
      pkg=$(head -n1 "$pkg"); version=bundled
    fi
    [ -n "$version" ] || version=master
    mkdir -p "$STATE" "$P/lib/zeek/plugins/packages/bro-zeromq-writer"
    echo "$pkg (installed: $version)" > "$STATE/installed"
    touch "$P/lib/zeek/plugins/packages/bro-zeromq-writer/__zeek_plugin__"
    echo "Installed \"$pkg\" ($version)" ;;
  remove)
    rm -f "$STATE/installed" "$P/lib/zeek/plugins/packages/bro-zeromq-writer/__zeek_plugin__" ;;
  *) echo "zkg stand-in: unsupported command $cmd" >&2; exit 2 ;;
esac
"""

# The first and last lines of Zeek's shipped site/local.zeek.
LOCAL_ZEEK = textwrap.dedent("""\
    ##! Local site policy. Customize as appropriate.

    @load misc/loaded-scripts
    @load tuning/defaults

    # Uncomment this to source zkg's package state
    # @load packages
    """)


def _write(path, content, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(path, mode)


def make_prefix(root, version, zkg=True, plugin=False):
    """Create a stand-in Zeek installation under root; plugin=True: the writer is already built in."""
    exe = stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    _write(os.path.join(root, "bin", "zeek-config"), ZEEK_CONFIG.replace("@VERSION@", version), exe)
    _write(os.path.join(root, "bin", "zeek"), ZEEK.replace("@VERSION@", version), exe)
    if zkg:
        _write(os.path.join(root, "bin", "zkg"), ZKG, exe)
    _write(os.path.join(root, "share", "zeek", "site", "local.zeek"), LOCAL_ZEEK)
    os.makedirs(os.path.join(root, "lib", "zeek", "plugins"), exist_ok=True)
    if plugin:
        _write(os.path.join(root, "lib", "zeek", "plugins", "packages", "bro-zeromq-writer", "__zeek_plugin__"), "")
    return root


def tree_snapshot(root):
    """Every path below root with its type, mode and content: to prove nothing changed."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            content = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    content = handle.read()
            snap[os.path.relpath(path, root)] = (st.st_mode, st.st_uid, st.st_gid, content)
    return snap
