// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: a kernel-held read-only open of an active thin device. LVM refuses
 * lvremove of an open LV before it commits any metadata, so a pinned
 * snapshot cannot even be queued for deletion (DESIGN.md section 3).
 *
 * A request names the device twice: by dev_t, and by its DM uuid (for LVM,
 * "LVM-" and the VG's and LV's uuids), which no other device can have.
 * A dev_t alone could be stale: the LV deactivated and its minor reused
 * by another device, of this pool or another, or not a DM device at all.
 */
#include <linux/device-mapper.h>
#include <linux/dm-ioctl.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/err.h>

#include "softlock.h"

/*
 * Open @dev if it is the device-mapper device whose DM uuid is @uuid.
 * dm's reference on the device is held from the check to the open: while
 * it is held, the device cannot be freed, so its minor cannot go to
 * another; one that is being removed fails to open; and once open, it
 * cannot be removed.
 */
struct sl_pin *sl_pin_get(dev_t dev, const char *uuid,
			  struct netlink_ext_ack *extack)
{
	struct mapped_device *md;
	struct sl_pin *pin;
	char *have;
	int err;

	md = dm_get_md(dev);
	if (!md) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "device %u:%u is not a device-mapper device",
				       MAJOR(dev), MINOR(dev));
		return ERR_PTR(-EINVAL);
	}
	err = -ENOMEM;
	have = kmalloc(DM_UUID_LEN, GFP_KERNEL);
	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!have || !pin)
		goto err_put;
	if (dm_copy_name_and_uuid(md, NULL, have) || strcmp(have, uuid)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "device %u:%u is not the DM device with that uuid",
				       MAJOR(dev), MINOR(dev));
		err = -EINVAL;
		goto err_put;
	}
	err = sl_bdev_open_ro(dev, &pin->handle);
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "cannot open device %u:%u to pin it (error %d)",
				       MAJOR(dev), MINOR(dev), err);
		goto err_put;
	}
	dm_put(md);
	kfree(have);
	pin->dev = dev;
	return pin;

err_put:
	dm_put(md);
	kfree(have);
	kfree(pin);
	return ERR_PTR(err);
}

void sl_pin_put(struct sl_pin *pin)
{
	sl_bdev_close(&pin->handle);
	kfree(pin);
}
