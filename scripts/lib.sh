# Shared set-up steps for setup.sh and test.sh (sourced, not run).

ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
  local extras="$1"
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || python=python3
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv"
    "$python" -m venv .venv
  fi
  # Reinstall only when pyproject.toml changed since the last install with these extras.
  local stamp=".venv/.tunesmith-installed${extras//[^a-z]/-}"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing tunesmith${extras} and its pinned dependencies into .venv"
    .venv/bin/pip install -q --disable-pip-version-check -e ".${extras}"
    echo "$want" > "$stamp"
  fi
}
