// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel has of a PCPI, read from device-mapper with ioctls on
 * /dev/mapper/control instead of an LVM command: after a change of its
 * own, the helper knows an LV's name and tags already, and the thin id,
 * size, permission and dev_t LVM would report are those of the LV's
 * device-mapper device, "VG-LV" (see sl_lvm_dm_name), whose table is one
 * thin target: "<pool maj:min> <thin id>" over the LV's length.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/dm-ioctl.h>

#include "pcpi.h"
#include "../lvm/lvm.h"

/* A thin LV's table is one target and a short line: this is plenty. */
#define SL_DM_BUF 16384

union sl_dm_buf {
	struct dm_ioctl io;
	char data[SL_DM_BUF];
};

/* One ioctl on name; 0, or -errno (-ENXIO: no such device). */
static int sl_dm_ioctl(int fd, unsigned long cmd, const char *name,
		       uint32_t flags, union sl_dm_buf *b)
{
	memset(b, 0, sizeof(b->io));
	/* Any 4.x kernel: the two commands used here are as old as 4.0. */
	b->io.version[0] = DM_VERSION_MAJOR;
	b->io.data_size = sizeof(*b);
	b->io.data_start = sizeof(b->io);
	b->io.flags = flags;
	snprintf(b->io.name, sizeof(b->io.name), "%s", name);
	return ioctl(fd, cmd, b) ? -errno : 0;
}

int sl_pcpi_dm_read(struct sl_pcpi *p, char *err, size_t errlen)
{
	char name[DM_NAME_LEN], tpool[DM_NAME_LEN];
	struct dm_target_spec *t;
	unsigned int pmaj, pmin;
	union sl_dm_buf *b;
	uint32_t id;
	dev_t dev;
	int fd, rc;

	if (sl_lvm_dm_name(p->vg, p->lv, "", name, sizeof(name)) ||
	    sl_lvm_dm_name(p->vg, p->pool_lv, "-tpool", tpool,
			    sizeof(tpool))) {
		snprintf(err, errlen, "%s/%s: device-mapper name too long",
			 p->vg, p->lv);
		return -ENAMETOOLONG;
	}
	b = malloc(sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "%s/%s: out of memory", p->vg, p->lv);
		return -ENOMEM;
	}
	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen,
			 "%s/%s: cannot open /dev/mapper/control to read its device: %s",
			 p->vg, p->lv, strerror(-rc));
		free(b);
		return rc;
	}
	rc = sl_dm_ioctl(fd, DM_TABLE_STATUS, name, DM_STATUS_TABLE_FLAG, b);
	if (rc == -ENXIO ||
	    (!rc && !(b->io.flags & DM_ACTIVE_PRESENT_FLAG))) {
		/* No device, or one without a live table: not active. */
		p->active = false;
		p->major = p->minor = 0;
		rc = 0;
		goto out;
	}
	if (rc) {
		snprintf(err, errlen,
			 "%s/%s: reading device-mapper device %s failed: %s; check `dmsetup table %s`",
			 p->vg, p->lv, name, strerror(-rc), name);
		goto out;
	}
	b->data[SL_DM_BUF - 1] = '\0';
	t = (struct dm_target_spec *)(b->data + b->io.data_start);
	if ((b->io.flags & DM_BUFFER_FULL_FLAG) || b->io.target_count != 1 ||
	    b->io.data_start + sizeof(*t) >= b->io.data_size ||
	    strncmp(t->target_type, "thin", sizeof(t->target_type)) ||
	    sl_pcpi_thin_params((char *)(t + 1), &pmaj, &pmin, &id)) {
		snprintf(err, errlen,
			 "%s/%s: device-mapper device %s is not one thin target; check `dmsetup table %s`",
			 p->vg, p->lv, name, name);
		rc = -EPROTO;
		goto out;
	}
	dev = b->io.dev;
	p->thin_id = id;
	p->size = t->length << 9;
	p->readonly = b->io.flags & DM_READONLY_FLAG;
	p->active = true;
	p->major = major(dev);
	p->minor = minor(dev);
	/* LVM names the device: it has the LV's uuid, or it is not the LV. */
	snprintf(p->dm_uuid, sizeof(p->dm_uuid), "%.*s",
		 (int)sizeof(b->io.uuid), b->io.uuid);
	/* Its pool is the one LVM put it in: VG-POOL-tpool. */
	rc = sl_dm_ioctl(fd, DM_DEV_STATUS, tpool, 0, b);
	if (!rc && (major(b->io.dev) != pmaj || minor(b->io.dev) != pmin))
		rc = -EXDEV;
	if (rc)
		snprintf(err, errlen,
			 "%s/%s: device-mapper device %s is a thin device of %u:%u, not of pool %s/%s (%s: %s)",
			 p->vg, p->lv, name, pmaj, pmin, p->vg, p->pool_lv,
			 tpool, rc == -EXDEV ? "another device" :
			 strerror(-rc));
out:
	close(fd);
	free(b);
	return rc;
}
