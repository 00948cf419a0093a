# Sourced by .ci/main and .ci/test: work in the checkout's own virtual environment, .venv/ (made on
# first use, reused after).  Debian's and Ubuntu's python3 refuse `pip install` outside one (PEP 668,
# "externally managed"), and a venv keeps what the tests install off the user's Python.  Debian ships
# venv apart (python3-venv): as root it is installed when `python3 -m venv` cannot make one.
if [ ! -x .venv/bin/pip ]; then
  rm -rf .venv
  if ! python3 -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian packages: python3-venv"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
      python3 -m venv .venv
    else
      echo "layoutc: \`python3 -m venv\` failed: install your system's venv package (Debian, Ubuntu: python3-venv)" >&2
      exit 2
    fi
  fi
fi
# shellcheck disable=SC1091
. .venv/bin/activate
