// SPDX-License-Identifier: GPL-2.0
/*
 * Pins: a kernel-held read-only open of an active thin device. LVM refuses
 * lvremove of an open LV before it commits any metadata, so a pinned
 * snapshot cannot even be queued for deletion (DESIGN.md section 3).
 */
#include <linux/slab.h>
#include <linux/err.h>

#include "softlock.h"

struct sl_pin *sl_pin_get(dev_t dev, struct netlink_ext_ack *extack)
{
	struct sl_pin *pin;
	int err;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	err = sl_bdev_open_ro(dev, &pin->handle);
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "cannot open device %u:%u to pin it (error %d)",
				       MAJOR(dev), MINOR(dev), err);
		kfree(pin);
		return ERR_PTR(err);
	}
	pin->dev = dev;
	return pin;
}

void sl_pin_put(struct sl_pin *pin)
{
	sl_bdev_close(&pin->handle);
	kfree(pin);
}
