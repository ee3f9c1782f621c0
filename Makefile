# SPDX-License-Identifier: GPL-2.0
#
# softlock: soft locks for dm-thin snapshots.
#   make            build softlock.ko against KDIR and the userspace parts
#   make deps       install every Debian package the project needs (root)
#   make check      all tests: host checks, then the VM suite on 6.1 and 6.12
#   make demo       three mirrored hosts A -> B -> C, in a VM: A refuses to
#                   delete what C needs until C moves on
#   make bench      figures in a VM (Documentation/performance.rst), then
#                   10 million runs of the protocol fuzzer
#   make lint       checkpatch, sparse and W=1 builds on every test kernel
#   make uapi       regenerate from the spec include/uapi/linux/softlock.h
#                   and the module's policies and op table (kernel/
#                   netlink_gen.[ch]); make check-uapi: are they in sync?
#   make install    softlock.ko (for KVER), the helper, man pages, systemd
#                   units, modprobe.d/modules-load.d files, bash completion
#                   [DESTDIR=dir KVER=release]; scripts/install.sh says where
#   make uninstall  remove exactly what make install put [DESTDIR=dir]

# The running kernel's build dir when it exists, else the newest installed
# Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /lib/modules/*/build))))
# The kernel release softlock.ko is built for and installed under.
KVER ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
BUILD ?= $(CURDIR)/build
# An unpacked linux-source-6.12: kselftest_harness.h, checkpatch.pl, ynl.
LINUX_SRC ?= $(BUILD)/linux-src
LINUX_TAR ?= $(lastword $(sort $(wildcard /usr/src/linux-source-6.12*.tar.xz)))

.PHONY: all module helper selftests deps check demo bench lint uapi check-uapi netlink-gen clean \
	linux-src install uninstall

all: module helper selftests

module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run 'sh scripts/deps.sh'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

helper:
	$(MAKE) -C user

$(LINUX_SRC)/.unpacked:
	@test -n "$(LINUX_TAR)" || { echo "linux-source-6.12 is not installed: run 'sh scripts/deps.sh'" >&2; exit 1; }
	rm -rf $(LINUX_SRC) && mkdir -p $(LINUX_SRC)
	tar -xJf $(LINUX_TAR) -C $(LINUX_SRC) --strip-components=1 \
		--wildcards 'linux-source-6.12/tools/testing/selftests/kselftest*' \
		'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/genetlink*.yaml' \
		'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/spelling.txt' \
		'linux-source-6.12/scripts/const_structs.checkpatch'
	touch $@

linux-src: $(LINUX_SRC)/.unpacked

selftests: linux-src
	$(MAKE) -C selftests/softlock LINUX_SRC=$(LINUX_SRC)

install: module helper
	DESTDIR="$(DESTDIR)" sh scripts/install.sh install softlock.ko user/softlock "$(KVER)"

uninstall:
	DESTDIR="$(DESTDIR)" sh scripts/install.sh uninstall

deps:
	sh scripts/deps.sh

# Every file generated from the spec, checked in so that the module builds
# without python (DKMS, make module).
NETLINK_GEN := include/uapi/linux/softlock.h kernel/netlink_gen.c kernel/netlink_gen.h

uapi netlink-gen: linux-src
	sh scripts/gen-netlink.sh $(LINUX_SRC) .

check-uapi: linux-src
	rm -rf $(BUILD)/netlink-gen
	sh scripts/gen-netlink.sh $(LINUX_SRC) $(BUILD)/netlink-gen
	@for f in $(NETLINK_GEN); do \
		cmp $$f $(BUILD)/netlink-gen/$$f || \
		{ echo "$$f is out of date with the spec: run 'make uapi'" >&2; exit 1; }; \
	done

lint: linux-src
	sh scripts/lint.sh $(LINUX_SRC)

check: linux-src
	bash scripts/test-all.sh

demo: linux-src
	bash tools/vm/check.sh --demo

bench: linux-src
	bash tools/vm/check.sh --bench
	$(MAKE) -C user O=$(BUILD)/fuzz fuzz FUZZ_RUNS=10000000

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C selftests/softlock clean
	-$(MAKE) -C user clean
