// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
/*
 * The deletion guard. dm-thin deletes a thin device only through the pool
 * target's message "delete <id>", handled by the static pool_message() in
 * dm-thin-pool. A kprobe on its entry sends "delete" calls to
 * sl_pool_message(), which has the same prototype: it refuses with -EBUSY
 * while the thin id holds live locks or the module is sealed, and otherwise
 * calls the original. That call runs into the kprobe again; calls whose
 * return address lies in this module pass through untouched.
 *
 * dm-thin-pool may load after us, unload and come back: a module notifier
 * arms the kprobe whenever it is live and disarms it when it goes.
 */
#include <linux/atomic.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/device-mapper.h>

#include "softlock.h"

#define SL_THIN_MODULE "dm_thin_pool"

typedef int (*sl_message_fn)(struct dm_target *ti, unsigned int argc,
			     char **argv, char *result, unsigned int maxlen);

static int sl_guard_pre(struct kprobe *p, struct pt_regs *regs);

/*
 * sl_guard_mutex protects sl_probe and sl_armed: arming and disarming come
 * from the module notifier and from our own init/exit.
 */
static DEFINE_MUTEX(sl_guard_mutex);
static bool sl_armed;
static struct kprobe sl_probe = {
	.symbol_name = "pool_message",
	.pre_handler = sl_guard_pre,
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

static bool sl_is_delete(unsigned int argc, char **argv)
{
	return argc == 2 && !strcasecmp(argv[0], "delete");
}

/*
 * The redirected pool_message. Holds a module reference taken by the
 * pre-handler, so softlock cannot be unloaded under it; after the
 * module_put() only its return is left to run here, which
 * sl_guard_exit() waits for.
 */
static int sl_pool_message(struct dm_target *ti, unsigned int argc,
			   char **argv, char *result, unsigned int maxlen)
{
	sl_message_fn orig = (sl_message_fn)sl_func_entry(sl_probe.addr);
	struct mapped_device *md = dm_table_get_md(ti->table);
	char name[DM_NAME_LEN], uuid[DM_UUID_LEN];
	struct sl_verdict v;
	unsigned long long id;
	const char *pool;
	int r;

	/* Not an id dm-thin would accept: let dm-thin say so. */
	if (kstrtoull(argv[1], 10, &id) || id > SOFTLOCK_PCPI_MAX ||
	    dm_copy_name_and_uuid(md, name, uuid))
		goto pass;
	pool = uuid[0] ? uuid : name;

	sl_table_check(pool, id, &v);
	if (v.reason == SOFTLOCK_REASON_NONE)
		goto pass;

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
	r = -EBUSY;
	goto out;
pass:
	r = orig(ti, argc, argv, result, maxlen);
out:
	module_put(THIS_MODULE);
	return r;
}

static int sl_guard_pre(struct kprobe *p, struct pt_regs *regs)
{
	/* At function entry the stack top is the caller's return address. */
	unsigned long caller = *(unsigned long *)kernel_stack_pointer(regs);
	unsigned int argc = regs_get_kernel_argument(regs, 1);
	char **argv = (char **)regs_get_kernel_argument(regs, 2);

	if (within_module(caller, THIS_MODULE) || !sl_is_delete(argc, argv))
		return 0;
	/* Going away: let the call through rather than run unloaded code. */
	if (!try_module_get(THIS_MODULE))
		return 0;
	WRITE_ONCE(sl_redirected, true);
	instruction_pointer_set(regs, (unsigned long)sl_pool_message);
	return 1;
}

static void sl_guard_try_arm(bool must)
{
	int err;

	mutex_lock(&sl_guard_mutex);
	if (!sl_armed) {
		/* register_kprobe() resolves symbol_name again each time. */
		sl_probe.addr = NULL;
		sl_probe.flags = 0;
		err = register_kprobe(&sl_probe);
		if (err && !must)
			pr_debug("%s is not loaded yet (%d)\n", SL_THIN_MODULE, err);
		else if (err)
			pr_err("cannot guard %s: kprobe on pool_message failed (%d); deletes are NOT guarded\n",
			       SL_THIN_MODULE, err);
		else
			sl_armed = true;
		if (!err)
			pr_info("guarding %s pool deletes\n", SL_THIN_MODULE);
	}
	mutex_unlock(&sl_guard_mutex);
}

static void sl_guard_disarm(void)
{
	mutex_lock(&sl_guard_mutex);
	if (sl_armed) {
		unregister_kprobe(&sl_probe);
		sl_armed = false;
	}
	mutex_unlock(&sl_guard_mutex);
}

static int sl_module_event(struct notifier_block *nb, unsigned long state,
			   void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, SL_THIN_MODULE))
		return NOTIFY_DONE;
	if (state == MODULE_STATE_LIVE)
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
	 * the symbol does not resolve; the notifier arms when it arrives.
	 */
	sl_guard_try_arm(false);
	return 0;
}

void sl_guard_exit(void)
{
	unregister_module_notifier(&sl_module_nb);
	/* Waits for running pre-handlers; redirected calls hold a reference. */
	sl_guard_disarm();
	/*
	 * The last redirected call may have dropped its reference and been
	 * preempted before returning out of sl_pool_message(). A task there
	 * cannot switch voluntarily before it has returned, so once every
	 * task has (an RCU Tasks grace period) none is left in our text.
	 */
	if (READ_ONCE(sl_redirected))
		synchronize_rcu_tasks();
}
