# Sourced by the benchmark scripts: signs in to a tandem with the demo's
# bench password, through the real form.

login_cookie() { # base-url email -> tandem_session=…
  local jar token
  jar=$(mktemp)
  token=$(curl -s -c "$jar" -b "$jar" "$1/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
  curl -s -c "$jar" -b "$jar" -o /dev/null \
    --data-urlencode "csrf_token=$token" --data-urlencode "email=$2" \
    --data-urlencode "password=bench-password" "$1/login"
  awk '$6 == "tandem_session" {print "tandem_session=" $7}' "$jar"
  rm -f "$jar"
}
