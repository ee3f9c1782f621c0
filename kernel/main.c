// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
/*
 * softlock: refuse the deletion of dm-thin snapshots that other hosts or
 * applications still need. Module parameters, init and exit.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>

#include "softlock.h"

bool softlock_sealed;
module_param_named(sealed, softlock_sealed, bool, 0444);
MODULE_PARM_DESC(sealed,
		 "Refuse every pool delete until userspace unseals (set at load; the unseal command clears it)");

unsigned int softlock_max_locks = 2097152;
module_param_named(max_locks, softlock_max_locks, uint, 0644);
MODULE_PARM_DESC(max_locks, "Most locks in the table, staged ones included");

unsigned int softlock_max_locks_per_pcpi = 1024;
module_param_named(max_locks_per_pcpi, softlock_max_locks_per_pcpi, uint,
		   0644);
MODULE_PARM_DESC(max_locks_per_pcpi,
		 "Most locks on one snapshot, staged ones included (at most 65535)");

/*
 * Pools, origins and open replaces take memory a request can ask for
 * without adding a lock (an origin that committed a replace is kept with
 * no locks, to remember its generation), so each has a bound of its own.
 */
unsigned int softlock_max_pools = 1024;
module_param_named(max_pools, softlock_max_pools, uint, 0644);
MODULE_PARM_DESC(max_pools, "Most pools in the table");

unsigned int softlock_max_origins = 4096;
module_param_named(max_origins, softlock_max_origins, uint, 0644);
MODULE_PARM_DESC(max_origins,
		 "Most origins, all pools together (an origin that committed a replace counts until its set is empty and forgotten)");

unsigned int softlock_max_staged = 64;
module_param_named(max_staged, softlock_max_staged, uint, 0644);
MODULE_PARM_DESC(max_staged, "Most replaces open at once, all pools together");

static const char *const sl_type_names[] = {
	[SOFTLOCK_LOCK_TYPE_OWNER] = "owner",
	[SOFTLOCK_LOCK_TYPE_DEST_PATH] = "dest-path",
	[SOFTLOCK_LOCK_TYPE_QTREE] = "qtree",
	[SOFTLOCK_LOCK_TYPE_APP] = "app",
};

const char *sl_type_name(u8 type)
{
	if (type < ARRAY_SIZE(sl_type_names) && sl_type_names[type])
		return sl_type_names[type];
	return "unknown";
}

static int __init softlock_init(void)
{
	int err;

	err = sl_table_init();
	if (err)
		return err;
	err = sl_netlink_init();
	if (err)
		goto err_table_exit;
	err = sl_guard_init();
	if (err)
		goto err_netlink_exit;
	pr_info("loaded%s\n", softlock_sealed ? ", sealed" : "");
	return 0;

err_netlink_exit:
	sl_netlink_exit();
err_table_exit:
	sl_table_exit();
	return err;
}

static void __exit softlock_exit(void)
{
	/* No new deletes are judged, then no request can reach the table. */
	sl_guard_exit();
	sl_netlink_exit();
	sl_table_clear();
	rcu_barrier();
	sl_table_exit();
}

module_init(softlock_init);
module_exit(softlock_exit);
MODULE_LICENSE("GPL");
/* The helper's "softlock version" compares it with its own SL_VERSION. */
MODULE_VERSION("0.1.0");
MODULE_DESCRIPTION("Soft locks: refuse deletion of dm-thin snapshots still needed downstream");
MODULE_AUTHOR("The softlock developers");
MODULE_SOFTDEP("pre: dm-mod");
