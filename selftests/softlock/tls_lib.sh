# SPDX-License-Identifier: GPL-2.0
#
# Certificates and TCP links for the TLS transport tests (source it after
# mirror_lib.sh). tls_ca NAME makes an authority; tls_host DIR CA CN SAN
# gives a host its TLS directory (cert.pem, key.pem, and ca.pem = CA);
# tls_link X Y N joins host X's namespace (10.77.N.1) and host Y's
# (10.77.N.2) with a veth pair.

# openssl's own config file is not in the guest: this one is enough.
tls_conf() {
	[ -f "$SL_TMP/openssl.cnf" ] && return 0
	printf '[req]\ndistinguished_name = dn\n[dn]\n' > "$SL_TMP/openssl.cnf"
}

tls_ca() { # NAME: $SL_TMP/NAME.pem and its key
	tls_conf
	OPENSSL_CONF=$SL_TMP/openssl.cnf openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$SL_TMP/$1.key" -out "$SL_TMP/$1.pem" -subj "/CN=$1" \
		>/dev/null 2>&1
}

tls_host() { # DIR CA CN SAN
	mkdir -p "$1" || return 1
	printf 'subjectAltName=%s\n' "$4" > "$1/ext"
	OPENSSL_CONF=$SL_TMP/openssl.cnf openssl req -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/key.pem" \
		-out "$1/req.csr" -subj "/CN=$3" >/dev/null 2>&1 &&
	OPENSSL_CONF=$SL_TMP/openssl.cnf openssl x509 -req -in "$1/req.csr" \
		-CA "$SL_TMP/$2.pem" -CAkey "$SL_TMP/$2.key" -set_serial "$RANDOM" \
		-days 30 -extfile "$1/ext" -out "$1/cert.pem" >/dev/null 2>&1 &&
	cp "$SL_TMP/$2.pem" "$1/ca.pem" && chmod 600 "$1/key.pem"
}

tls_link() { # X Y N
	ip link add "v$1$2" netns "slh$1" type veth peer name "v$2$1" netns "slh$2" &&
	ip -n "slh$1" addr add "10.77.$3.1/24" dev "v$1$2" &&
	ip -n "slh$2" addr add "10.77.$3.2/24" dev "v$2$1" &&
	ip -n "slh$1" link set lo up && ip -n "slh$2" link set lo up &&
	ip -n "slh$1" link set "v$1$2" up && ip -n "slh$2" link set "v$2$1" up
}
