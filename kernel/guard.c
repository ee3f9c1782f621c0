// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
/*
 * The deletion guard. dm-thin deletes a thin device only through the pool
 * target's message "delete <id>", handled by the static pool_message() in
 * dm-thin-pool. An ftrace_ops on pool_message's entry sends "delete" calls
 * to sl_pool_message(), which has the same prototype: it refuses with -EBUSY
 * while the thin id holds live locks or the module is sealed, and otherwise
 * calls the original through the target type's message method.
 *
 * That call enters pool_message, and so the ftrace handler, again. The
 * handler passes it because its argv[0] is sl_own_delete, a string only
 * this module has: the wrapper hands the original a copy of argv with that
 * first word. The return address cannot tell the two calls apart: a
 * kretprobe, an fprobe exit handler or the function_graph tracer on
 * pool_message replace it with their own trampoline.
 *
 * The ops sets FTRACE_OPS_FL_IPMODIFY: it changes where pool_message's
 * callers land, and ftrace refuses a second ops that does the same on the
 * same function (livepatch, a kprobe with a post_handler) instead of
 * letting one of them win silently. It is FTRACE_OPS_FL_PERMANENT, as
 * livepatch's are: while it is registered, ftrace cannot be switched off
 * under the guard (sysctl kernel.ftrace_enabled=0 fails with EBUSY).
 *
 * dm-thin-pool may load after us, unload and come back: a module notifier
 * arms the guard when it is coming, before its init registers the thin-pool
 * target, and disarms it when it goes, before ftrace drops its functions.
 */
#include <linux/atomic.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/string.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/device-mapper.h>

#include "softlock.h"

#define SL_THIN_MODULE "dm_thin_pool"
#define SL_THIN_FUNC "pool_message"

/*
 * argv[0] of the wrapper's own call of the original. dm-thin only reads it
 * (strcasecmp), so the const is cast away for dm's prototype.
 */
static const char sl_own_delete[] = "delete";

static void sl_guard_ftrace(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *ops, struct ftrace_regs *fregs);

/*
 * sl_guard_mutex protects sl_ops's registration and filter and sl_state:
 * arming and disarming come from the module notifier and from our own
 * init/exit. The handler itself takes no lock; sl_guard_state() reads
 * sl_state without it.
 */
static DEFINE_MUTEX(sl_guard_mutex);
static enum softlock_guard_state sl_state = SOFTLOCK_GUARD_STATE_NOT_LOADED;
static struct ftrace_ops sl_ops = {
	.func = sl_guard_ftrace,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION | FTRACE_OPS_FL_PERMANENT,
};

/* Set once a call has been redirected: sl_guard_exit() must then wait. */
static bool sl_redirected;
/* Deletes refused since load, by reason; atomic, no lock. */
static atomic64_t sl_refused_locked = ATOMIC64_INIT(0);
static atomic64_t sl_refused_sealed = ATOMIC64_INIT(0);

void sl_guard_stats(u64 *refused_locked, u64 *refused_sealed)
{
	*refused_locked = atomic64_read(&sl_refused_locked);
	*refused_sealed = atomic64_read(&sl_refused_sealed);
}

enum softlock_guard_state sl_guard_state(void)
{
	return READ_ONCE(sl_state);
}

/*
 * The decision on "delete <@arg>" to @ti's pool: 0 to let it through, or
 * -EBUSY after logging the refusal and sending its event.
 *
 * Its own noinline function: the pool name, uuid and verdict (about 850
 * bytes) live in its frame only, gone before the caller goes on into the
 * original pool_message and dm-thin's metadata commit on the same stack.
 *
 * It runs in the DM message ioctl, and LVM may replay a queued delete
 * while an origin in this pool is suspended. Reclaim entered from an
 * allocation here (the event's skb, the multicast's clones) could then
 * wait on writeback to that suspended device, which waits for us. The
 * check itself allocates nothing; the refusal's log and event run in a
 * memalloc_noio scope, so every allocation under it, GFP_KERNEL ones
 * included, is made as GFP_NOIO.
 */
static noinline int sl_guard_decide(struct dm_target *ti, const char *arg)
{
	struct mapped_device *md = dm_table_get_md(ti->table);
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	struct sl_verdict v;
	unsigned long long id;
	unsigned int noio;
	const char *pool;

	/* Not an id dm-thin would accept: let dm-thin say so. */
	if (kstrtoull(arg, 10, &id) || id > SOFTLOCK_PCPI_MAX)
		return 0;
	/*
	 * A pool that cannot be named cannot be looked up: refuse rather
	 * than let a delete through on doubt (dm fails this only for a
	 * device on its way out).
	 */
	if (dm_copy_name_and_uuid(md, name, uuid)) {
		pr_warn_ratelimited("refused delete of thin id %llu: cannot read the pool's DM name and uuid\n",
				    id);
		return -EBUSY;
	}
	/*
	 * A pool is keyed by its DM uuid when it has one, else by its DM
	 * name. Locks installed under the name of a pool that has a uuid
	 * protect it too: a key given the wrong way must not let a locked
	 * delete through.
	 */
	pool = uuid[0] ? uuid : name;
	sl_table_check(pool, id, &v);
	if (v.reason == SOFTLOCK_REASON_NONE && uuid[0]) {
		pool = name;
		sl_table_check(pool, id, &v);
	}
	if (v.reason == SOFTLOCK_REASON_NONE)
		return 0;

	noio = memalloc_noio_save();
	atomic64_inc(v.reason == SOFTLOCK_REASON_SEALED ? &sl_refused_sealed :
			&sl_refused_locked);
	if (v.reason == SOFTLOCK_REASON_SEALED)
		pr_warn_ratelimited("pool %s: refused delete of thin id %llu: module is sealed\n",
				    name, id);
	else
		pr_warn_ratelimited("pool %s: refused delete of thin id %llu: %u lock(s), first %s \"%s\" (dataset %s, origin %s)\n",
				    name, id, v.count, sl_type_name(v.type),
				    v.text, v.dataset[0] ? v.dataset : "-",
				    v.origin);
	sl_notify_refused(pool, id, &v);
	memalloc_noio_restore(noio);
	return -EBUSY;
}

/*
 * The redirected pool_message, entered only for "delete <arg>" (argc 2).
 * Holds a module reference taken by the handler, so softlock cannot be
 * unloaded under it; after the module_put() only its return is left to
 * run here, which sl_guard_exit() waits for.
 */
static int sl_pool_message(struct dm_target *ti, unsigned int argc,
			   char **argv, char *result, unsigned int maxlen)
{
	char *own_argv[2] = { (char *)sl_own_delete, argv[1] };
	int r;

	r = sl_guard_decide(ti, argv[1]);
	/*
	 * Let through: pool_message itself, through dm's own pointer to it
	 * (an indirect call dm makes too, so it lands where IBT wants it).
	 * Its entry comes back to sl_guard_ftrace(), which lets own_argv
	 * through.
	 */
	if (!r)
		r = ti->type->message(ti, argc, own_argv, result, maxlen);
	module_put(THIS_MODULE);
	return r;
}

/*
 * Runs at every entry of pool_message, with preemption disabled and
 * ftrace's recursion protection. Decides only whether to redirect: no
 * lock, no allocation.
 */
static void notrace sl_guard_ftrace(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned int argc;
	char **argv;

	/* Never NULL with FTRACE_OPS_FL_SAVE_REGS. */
	if (WARN_ON_ONCE(!regs))
		return;
	argc = regs_get_kernel_argument(regs, 1);
	argv = (char **)regs_get_kernel_argument(regs, 2);
	/* Our own call of the original, or not a delete: run pool_message. */
	if (argc != 2 || argv[0] == sl_own_delete ||
	    strcasecmp(argv[0], "delete"))
		return;
	/* Going away: let the call through rather than run unloaded code. */
	if (!try_module_get(THIS_MODULE))
		return;
	WRITE_ONCE(sl_redirected, true);
	instruction_pointer_set(regs, (unsigned long)sl_pool_message);
}

/*
 * Only dm-thin has a pool_message. Without dm-thin-pool nothing matches
 * and the filter is not set (-EINVAL); ftrace never lets an IPMODIFY ops
 * without a filter hook every function.
 */
static int sl_guard_set_filter(void)
{
	unsigned char func[] = SL_THIN_FUNC;

	return ftrace_set_filter(&sl_ops, func, strlen(func), 1);
}

/* @must: dm-thin-pool is known to be there. */
static void sl_guard_try_arm(bool must)
{
	int err;

	mutex_lock(&sl_guard_mutex);
	if (sl_state == SOFTLOCK_GUARD_STATE_ARMED)
		goto out;
	err = sl_guard_set_filter();
	if (err && !must) {
		pr_debug("%s is not loaded yet (%d)\n", SL_THIN_MODULE, err);
		goto out;
	}
	if (!err)
		err = register_ftrace_function(&sl_ops);
	if (err) {
		pr_err("cannot guard %s: ftrace on %s failed (%d%s); deletes are NOT guarded\n",
		       SL_THIN_MODULE, SL_THIN_FUNC, err,
		       err == -EBUSY ? ": another user modifies it, or ftrace is off" : "");
		WRITE_ONCE(sl_state, SOFTLOCK_GUARD_STATE_FAILED);
		goto out;
	}
	WRITE_ONCE(sl_state, SOFTLOCK_GUARD_STATE_ARMED);
	pr_info("guarding %s pool deletes\n", SL_THIN_MODULE);
out:
	mutex_unlock(&sl_guard_mutex);
}

static void sl_guard_disarm(void)
{
	mutex_lock(&sl_guard_mutex);
	/* Returns once no CPU runs sl_guard_ftrace(). */
	if (sl_state == SOFTLOCK_GUARD_STATE_ARMED)
		unregister_ftrace_function(&sl_ops);
	/* dm-thin-pool is going, or we are: nothing is left to guard. */
	WRITE_ONCE(sl_state, SOFTLOCK_GUARD_STATE_NOT_LOADED);
	mutex_unlock(&sl_guard_mutex);
}

static int sl_module_event(struct notifier_block *nb, unsigned long state,
			   void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, SL_THIN_MODULE))
		return NOTIFY_DONE;
	/*
	 * COMING: ftrace knows the module's functions, its init has not run,
	 * so no thin-pool target exists yet. LIVE again in case arming
	 * failed then. GOING comes before ftrace forgets the functions.
	 */
	if (state == MODULE_STATE_COMING || state == MODULE_STATE_LIVE)
		sl_guard_try_arm(true);
	else if (state == MODULE_STATE_GOING)
		sl_guard_disarm();
	return NOTIFY_DONE;
}

static struct notifier_block sl_module_nb = {
	.notifier_call = sl_module_event,
};

int sl_guard_init(void)
{
	int err = register_module_notifier(&sl_module_nb);

	if (err)
		return err;
	/*
	 * find_module() is not exported: just try. With dm-thin-pool absent
	 * the function is not found; the notifier arms when it arrives.
	 */
	sl_guard_try_arm(false);
	return 0;
}

void sl_guard_exit(void)
{
	unregister_module_notifier(&sl_module_nb);
	/* Waits for running handlers; redirected calls hold a reference. */
	sl_guard_disarm();
	ftrace_free_filter(&sl_ops);
	/*
	 * The last redirected call may have dropped its reference and been
	 * preempted before returning out of sl_pool_message(). A task there
	 * cannot switch voluntarily before it has returned, so once every
	 * task has (an RCU Tasks grace period) none is left in our text.
	 */
	if (READ_ONCE(sl_redirected))
		synchronize_rcu_tasks();
}
