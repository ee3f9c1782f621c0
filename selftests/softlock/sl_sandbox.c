// SPDX-License-Identifier: GPL-2.0
/*
 * sl_sandbox: run a command under the sandbox a systemd unit's [Service]
 * section describes, for the VM guests, which have no systemd as PID 1.
 *
 *   sl_sandbox [--kill] UNIT SYSCALLS -- COMMAND [ARGS...]
 *
 * UNIT is one of dist/systemd's .service files; SYSCALLS lists the system calls
 * of each @group its SystemCallFilter= names ("GROUP NAME" lines, made
 * on the build host by sandbox_syscalls.sh from systemd-analyze). Every
 * key of [Service] is either emulated here the way systemd applies it
 * (mount namespace, capability bounding set, no_new_privs, seccomp) or on
 * a short list of keys that restrict nothing; any other key is an error,
 * so a directive added to a unit cannot go untested. --kill makes a call
 * outside SystemCallFilter= kill the process instead of failing with
 * SystemCallErrorNumber=, so that no missed call hides behind an error
 * the program tolerates.
 *
 * What is not reproduced: ProtectKernelLogs= hides /dev/kmsg and
 * /proc/kmsg with /dev/null here (systemd: an inaccessible node); the
 * others follow systemd 252's src/core/namespace.c and
 * src/shared/seccomp-util.c in effect, not in every detail (see
 * Documentation/softlock.rst, "Sandboxing").
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_PATHS 32

static const char *unit;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "sl_sandbox: %s: ", unit ? unit : "usage");
	fprintf(stderr, fmt, arg);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	exit(125);
}

/* The [Service] keys and their values, lines of one key joined by ' '. */
struct key {
	const char *name;
	char val[1024];
	bool set;
};

/* Emulated below; the order is irrelevant. */
static struct key keys[] = {
	{ .name = "NoNewPrivileges" }, { .name = "ProtectSystem" }, { .name = "ReadWritePaths" },
	{ .name = "StateDirectory" }, { .name = "StateDirectoryMode" },
	{ .name = "RuntimeDirectory" }, { .name = "RuntimeDirectoryMode" },
	{ .name = "RuntimeDirectoryPreserve" }, { .name = "PrivateTmp" }, { .name = "ProtectHome" },
	{ .name = "CapabilityBoundingSet" }, { .name = "RestrictAddressFamilies" },
	{ .name = "ProtectKernelModules" }, { .name = "ProtectKernelTunables" },
	{ .name = "ProtectKernelLogs" }, { .name = "ProtectControlGroups" },
	{ .name = "ProtectHostname" }, { .name = "RestrictNamespaces" }, { .name = "RestrictRealtime" },
	{ .name = "RestrictSUIDSGID" }, { .name = "LockPersonality" },
	{ .name = "MemoryDenyWriteExecute" }, { .name = "SystemCallArchitectures" },
	{ .name = "SystemCallFilter" }, { .name = "SystemCallErrorNumber" }, { .name = "UMask" },
};

/* Keys that start, stop or schedule the service but restrict nothing. */
static const char *const inert[] = {
	"Type", "ExecStart", "ExecStartPre", "ExecReload", "KillMode",
	"TimeoutStopSec", "Restart", "RestartSec", "RemainAfterExit", "Nice",
	"IOSchedulingClass",
};

static struct key *key(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static const char *val(const char *name)
{
	struct key *k = key(name);

	return k->set ? k->val : NULL;
}

static bool yes(const char *name)
{
	const char *v = val(name);

	return v && (!strcmp(v, "yes") || !strcmp(v, "true"));
}

static void read_unit(void)
{
	char line[1024], *eq, *end;
	bool service = false;
	FILE *f = fopen(unit, "r");

	if (!f)
		die("%s", "cannot open");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '[') {
			service = !strcmp(line, "[Service]");
			continue;
		}
		if (!service || !line[0] || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			die("not KEY=VALUE: %s", line);
		*eq = 0;
		struct key *k = key(line);
		bool ok = false;

		for (size_t i = 0; i < sizeof(inert) / sizeof(inert[0]); i++)
			ok |= !strcmp(inert[i], line);
		if (ok)
			continue;
		errno = 0;
		if (!k)
			die("%s= is neither emulated nor known to restrict nothing: teach sl_sandbox.c", line);
		if (k->set)
			strcat(k->val, " ");
		end = k->val + strlen(k->val);
		if (end - k->val + strlen(eq + 1) + 1 >= sizeof(k->val))
			die("%s= is too long", line);
		strcpy(end, eq + 1);
		k->set = true;
	}
	fclose(f);
}

/* ------------------------------------------------------------- mounts */

static char *rw[MAX_PATHS];
static int nrw;

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n] ||
					  !strcmp(dir, "/"));
}

static void bind_self(const char *path)
{
	if (access(path, F_OK))
		return;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL))
		die("bind-mounting %s", path);
}

/* Remount one mount read-only, keeping its other per-mount flags. */
static void remount_ro(const char *mp)
{
	static const struct { unsigned long st, ms; } fl[] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
	struct statvfs sv;

	if (statvfs(mp, &sv))
		die("statvfs %s", mp);
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (sv.f_flag & fl[i].st)
			flags |= fl[i].ms;
	if (mount(NULL, mp, NULL, flags, NULL))
		die("remounting %s read-only", mp);
}

/* Every mount point, in mount order (parents before their children). */
static int mounts(char mp[][256], int max)
{
	char line[1024], path[256];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int n = 0;

	if (!f)
		die("%s", "/proc/self/mountinfo");
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %255s", path) != 1)
			continue;
		if (strchr(path, '\\'))
			die("mount point with an escaped character: %s", path);
		strcpy(mp[n++], path);
	}
	fclose(f);
	return n;
}

static void hide(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return;
	if (mount("tmpfs", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000"))
		die("hiding %s", dir);
}

static void made_dir(const char *base, const char *names, const char *mode)
{
	char list[1024], path[512], *save, *n;
	mode_t m = mode ? strtoul(mode, NULL, 8) : 0755;

	snprintf(list, sizeof(list), "%s", names);
	for (n = strtok_r(list, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		snprintf(path, sizeof(path), "%s/%s", base, n);
		if (mkdir(path, m) && errno != EEXIST)
			die("mkdir %s", path);
		if (chmod(path, m))
			die("chmod %s", path);
		if (nrw == MAX_PATHS)
			die("%s", "too many writable paths");
		rw[nrw++] = strdup(path);
	}
	errno = 0;
}

static void sandbox_mounts(void)
{
	static char mp[512][256];
	char list[1024], *save, *p;
	bool tunables = yes("ProtectKernelTunables");
	const char *home = val("ProtectHome");
	int n, i, j;

	if (unshare(CLONE_NEWNS))
		die("%s", "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		die("%s", "making / private");
	if (val("StateDirectory"))
		made_dir("/var/lib", val("StateDirectory"), val("StateDirectoryMode"));
	if (val("RuntimeDirectory"))
		made_dir("/run", val("RuntimeDirectory"), val("RuntimeDirectoryMode"));
	if (val("ReadWritePaths")) {
		snprintf(list, sizeof(list), "%s", val("ReadWritePaths"));
		for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			bool opt = *p == '-';
			struct stat st;

			p += opt;
			if (stat(p, &st)) {
				if (opt)
					continue;
				die("ReadWritePaths=%s does not exist", p);
			}
			if (nrw == MAX_PATHS)
				die("%s", "too many writable paths");
			rw[nrw++] = strdup(p);
		}
	}
	for (i = 0; i < nrw; i++)
		bind_self(rw[i]);
	if (yes("PrivateTmp")) {
		/* Empty and writable, like systemd's private directories. */
		if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
			die("%s", "PrivateTmp: /tmp");
		if (!access("/var/tmp", F_OK) &&
		    mount("tmpfs", "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
			die("%s", "PrivateTmp: /var/tmp");
		rw[nrw++] = "/tmp";
		rw[nrw++] = "/var/tmp";
	}
	if (home && !strcmp(home, "yes")) {
		hide("/home");
		hide("/root");
		hide("/run/user");
	} else if (home && strcmp(home, "read-only")) {
		die("ProtectHome=%s: only yes and read-only are emulated", home);
	}
	if (yes("ProtectKernelModules")) {
		hide("/lib/modules");
		hide("/usr/lib/modules");
	}
	if (yes("ProtectKernelLogs")) {
		if (mount("/dev/null", "/dev/kmsg", NULL, MS_BIND, NULL) ||
		    mount("/dev/null", "/proc/kmsg", NULL, MS_BIND, NULL))
			die("%s", "ProtectKernelLogs");
	}
	if (tunables) {
		bind_self("/proc/sys");
		bind_self("/proc/sysrq-trigger");
	}
	if (val("ProtectSystem") && strcmp(val("ProtectSystem"), "strict"))
		die("ProtectSystem=%s: only strict is emulated", val("ProtectSystem"));
	n = mounts(mp, 512);
	for (i = 0; i < n; i++) {
		bool ro = false, keep = false;

		if (under(mp[i], "/dev"))
			continue;
		if (under(mp[i], "/proc"))
			ro = tunables && (under(mp[i], "/proc/sys") ||
					  !strcmp(mp[i], "/proc/sysrq-trigger"));
		else if (under(mp[i], "/sys"))
			ro = tunables || (yes("ProtectControlGroups") &&
					  under(mp[i], "/sys/fs/cgroup"));
		else
			ro = val("ProtectSystem") ||
			     (home && (under(mp[i], "/home") || under(mp[i], "/root")));
		for (j = 0; j < nrw; j++)
			keep |= under(mp[i], rw[j]);
		if (ro && !keep)
			remount_ro(mp[i]);
	}
}

/* ------------------------------------------------------- capabilities */

static int cap_number(const char *name)
{
	static const char *const names[] = {
		"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
		"KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
		"NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
		"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
		"SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
		"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
		"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE",
		"MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
		"AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
	};

	if (strncmp(name, "CAP_", 4))
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name + 4))
			return (int)i;
	return -1;
}

static void sandbox_caps(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	char list[1024], *save, *p;
	unsigned long long keep = 0;
	int c, last;

	snprintf(list, sizeof(list), "%s", val("CapabilityBoundingSet"));
	for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		c = cap_number(p);
		if (c < 0)
			die("unknown capability %s", p);
		keep |= 1ULL << c;
	}
	/* systemd drops these for the Protect*= keys whatever the set says. */
	if (yes("ProtectKernelModules"))
		keep &= ~(1ULL << CAP_SYS_MODULE);
	if (yes("ProtectKernelLogs"))
		keep &= ~(1ULL << CAP_SYSLOG);
	for (last = 0; prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0; last++)
		;
	for (c = 0; c <= last; c++)
		if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			die("%s", "PR_CAPBSET_DROP");
	/* Root's permitted set after exec is bounding | inheritable. */
	if (syscall(SYS_capget, &hdr, data))
		die("%s", "capget");
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		die("%s", "clearing the inheritable and ambient sets");
}

/* ------------------------------------------------------------ seccomp */

static void rule(scmp_filter_ctx f, uint32_t act, const char *call,
		 unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(call);

	/* A name of another architecture (x86's socketcall...): none here. */
	if (nr == __NR_SCMP_ERROR)
		return;
	if (seccomp_rule_add_array(f, act, nr, n, cmp))
		die("seccomp rule for %s", call);
}

static void deny_flags(scmp_filter_ctx f, const char *call, unsigned int arg,
		       unsigned long long mask, int err)
{
	struct scmp_arg_cmp c = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, mask);

	rule(f, SCMP_ACT_ERRNO(err), call, 1, &c);
}

static void deny_eq(scmp_filter_ctx f, const char *call, unsigned int arg,
		    unsigned long long mask, unsigned long long v, int err)
{
	struct scmp_arg_cmp c = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, v);

	rule(f, SCMP_ACT_ERRNO(err), call, 1, &c);
}

/* The allow list: SystemCallFilter= with its @groups expanded. */
static void allow_list(FILE *in, bool kill)
{
	char list[1024], line[256], g[128], name[128], *save, *p;
	const char *e = val("SystemCallErrorNumber");
	uint32_t def = kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx f;
	bool found;

	if (!val("SystemCallFilter"))
		return;
	if (!kill && e && strcmp(e, "EPERM"))
		die("SystemCallErrorNumber=%s: only EPERM is emulated", e);
	f = seccomp_init(def);
	if (!f)
		die("%s", "seccomp_init");
	/* systemd always lets these through, so that exec works at all. */
	static const char *const always[] = {
		"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn",
		"sigreturn",
	};
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		rule(f, SCMP_ACT_ALLOW, always[i], 0, NULL);
	snprintf(list, sizeof(list), "%s", val("SystemCallFilter"));
	for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (*p == '~')
			die("SystemCallFilter=%s: deny lists are not emulated", p);
		if (*p != '@') {
			rule(f, SCMP_ACT_ALLOW, p, 0, NULL);
			continue;
		}
		rewind(in);
		found = false;
		while (fgets(line, sizeof(line), in))
			if (sscanf(line, "%127s %127s", g, name) == 2 && !strcmp(g, p)) {
				rule(f, SCMP_ACT_ALLOW, name, 0, NULL);
				found = true;
			}
		if (!found)
			die("%s is not in the system call list: rebuild it with sandbox_syscalls.sh", p);
	}
	/* SystemCallArchitectures=native: libseccomp's default, which
	 * kills a call made with another architecture's numbers. */
	if (seccomp_load(f))
		die("%s", "seccomp_load (allow list)");
	seccomp_release(f);
}

/*
 * The other keys deny particular arguments of calls the list allows, each
 * with the errno systemd uses; a second filter, so that the kernel applies
 * the stricter of the two answers.
 */
static void arg_filters(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	char list[1024], *save, *p;
	unsigned long long fams = 0;
	int a;

	if (!f)
		die("%s", "seccomp_init");
	if (val("RestrictAddressFamilies")) {
		static const struct { const char *n; int af; } names[] = {
			{ "AF_UNIX", AF_UNIX }, { "AF_INET", AF_INET },
			{ "AF_INET6", AF_INET6 }, { "AF_NETLINK", AF_NETLINK },
			{ "AF_PACKET", AF_PACKET },
		};
		snprintf(list, sizeof(list), "%s", val("RestrictAddressFamilies"));
		for (p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
			a = -1;
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(names[i].n, p))
					a = names[i].af;
			if (a < 0)
				die("RestrictAddressFamilies: %s is not emulated", p);
			fams |= 1ULL << a;
		}
		for (a = 0; a < AF_MAX; a++)
			if (!(fams & (1ULL << a)))
				deny_eq(f, "socket", 0, ~0ULL, a, EAFNOSUPPORT);
		struct scmp_arg_cmp ge = SCMP_A0(SCMP_CMP_GE, AF_MAX);

		rule(f, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &ge);
	}
	if (yes("MemoryDenyWriteExecute")) {
		deny_flags(f, "mmap", 2, PROT_WRITE | PROT_EXEC, EPERM);
		deny_flags(f, "mprotect", 2, PROT_EXEC, EPERM);
		deny_flags(f, "pkey_mprotect", 2, PROT_EXEC, EPERM);
		deny_flags(f, "shmat", 2, SHM_EXEC, EPERM);
	}
	if (yes("RestrictNamespaces")) {
		static const unsigned long ns[] = {
			CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
			CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWTIME,
		};
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			deny_flags(f, "clone", 0, ns[i], EPERM);
			deny_flags(f, "unshare", 0, ns[i], EPERM);
		}
		rule(f, SCMP_ACT_ERRNO(EPERM), "setns", 0, NULL);
		/* clone3's flags are behind a pointer: glibc falls back. */
		rule(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	}
	if (yes("RestrictRealtime"))
		for (a = 1; a <= 6; a++)
			if (a == 1 || a == 2 || a == 6)
				deny_eq(f, "sched_setscheduler", 1, 0xff, a, EPERM);
	if (yes("RestrictSUIDSGID"))
		for (a = 0; a < 2; a++) {
			unsigned long m = a ? S_ISGID : S_ISUID;

			deny_flags(f, "chmod", 1, m, EPERM);
			deny_flags(f, "fchmod", 1, m, EPERM);
			deny_flags(f, "fchmodat", 2, m, EPERM);
		}
	if (yes("LockPersonality")) {
		/*
		 * Only PER_LINUX goes through. systemd also answers the query
		 * (0xffffffff), which libseccomp cannot express in the same
		 * rule: stricter than the unit, never laxer.
		 */
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_NE, 0);

		rule(f, SCMP_ACT_ERRNO(EPERM), "personality", 1, &c);
	}
	if (yes("ProtectHostname")) {
		rule(f, SCMP_ACT_ERRNO(EPERM), "sethostname", 0, NULL);
		rule(f, SCMP_ACT_ERRNO(EPERM), "setdomainname", 0, NULL);
	}
	if (seccomp_load(f))
		die("%s", "seccomp_load (argument filters)");
	seccomp_release(f);
}

int main(int argc, char **argv)
{
	bool kill = argc > 1 && !strcmp(argv[1], "--kill");
	const char *um;
	FILE *groups;

	argv += kill;
	argc -= kill;
	if (argc < 5 || strcmp(argv[3], "--"))
		die("%s", "sl_sandbox [--kill] UNIT SYSCALLS -- COMMAND [ARGS...]");
	unit = argv[1];
	read_unit();
	/* Opened before PrivateTmp= may hide where it is. */
	groups = fopen(argv[2], "r");
	if (!groups)
		die("%s", argv[2]);
	errno = 0;
	if (val("SystemCallArchitectures") && strcmp(val("SystemCallArchitectures"), "native"))
		die("%s", "SystemCallArchitectures: only native is emulated");
	sandbox_mounts();
	um = val("UMask");
	if (um)
		umask(strtoul(um, NULL, 8));
	if (val("CapabilityBoundingSet"))
		sandbox_caps();
	if (yes("NoNewPrivileges") && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("%s", "PR_SET_NO_NEW_PRIVS");
	/* The argument filters first: loading the allow list's filter
	 * needs seccomp(), which the list itself may not contain. */
	arg_filters();
	allow_list(groups, kill);
	execvp(argv[4], argv + 4);
	die("exec %s", argv[4]);
}
