/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thin-provisioning-tools 0.9.0 (Debian 12) output captured in the test
 * guest (kernel 6.12) from a real LVM thin pool with 64 KiB chunks
 * (data_block_size 128 sectors). Thin ids: 1 the volume, 2 snapshot s1,
 * 3 snapshot s2, 4 an empty volume. The volume had blocks 0-3, 10,
 * 100-101 and 300 written before s1; then 2, 4 and 200-205 rewritten or
 * written, 10 discarded, and 512 bytes written into block 300 before s2.
 * Note nr_data_blocks="0": with --metadata-snap the tools do not open the
 * data space map, so that attribute means nothing here.
 */
#ifndef SL_RANGES_CAPTURES_H
#define SL_RANGES_CAPTURES_H

/* `thin_delta --metadata-snap --snap1 2 --snap2 3 TMETA` */
static const char delta_2_3[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <diff left=\"2\" right=\"3\">\n"
	"    <same begin=\"0\" length=\"2\"/>\n"
	"    <different begin=\"2\" length=\"1\"/>\n"
	"    <same begin=\"3\" length=\"1\"/>\n"
	"    <right_only begin=\"4\" length=\"1\"/>\n"
	"    <left_only begin=\"10\" length=\"1\"/>\n"
	"    <same begin=\"100\" length=\"2\"/>\n"
	"    <right_only begin=\"200\" length=\"6\"/>\n"
	"    <different begin=\"300\" length=\"1\"/>\n"
	"  </diff>\n"
	"</superblock>\n";

/* `thin_delta --metadata-snap --verbose --snap1 2 --snap2 3 TMETA` */
static const char delta_2_3_verbose[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <diff left=\"2\" right=\"3\">\n"
	"    <same>\n"
	"      <range begin=\"0\" data_begin=\"0\" length=\"2\"/>\n"
	"    </same>\n"
	"    <different>\n"
	"      <range begin=\"2\" left_data_begin=\"2\" right_data_begin=\"8\" length=\"1\"/>\n"
	"    </different>\n"
	"    <same>\n"
	"      <range begin=\"3\" data_begin=\"3\" length=\"1\"/>\n"
	"    </same>\n"
	"    <right_only>\n"
	"      <range begin=\"4\" data_begin=\"9\" length=\"1\"/>\n"
	"    </right_only>\n"
	"    <left_only>\n"
	"      <range begin=\"10\" data_begin=\"4\" length=\"1\"/>\n"
	"    </left_only>\n"
	"    <same>\n"
	"      <range begin=\"100\" data_begin=\"5\" length=\"2\"/>\n"
	"    </same>\n"
	"    <right_only>\n"
	"      <range begin=\"200\" data_begin=\"10\" length=\"6\"/>\n"
	"    </right_only>\n"
	"    <different>\n"
	"      <range begin=\"300\" left_data_begin=\"7\" right_data_begin=\"16\" length=\"1\"/>\n"
	"    </different>\n"
	"  </diff>\n"
	"</superblock>\n";

/* `thin_delta --metadata-snap --snap1 3 --snap2 2 TMETA` */
static const char delta_3_2[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <diff left=\"3\" right=\"2\">\n"
	"    <same begin=\"0\" length=\"2\"/>\n"
	"    <different begin=\"2\" length=\"1\"/>\n"
	"    <same begin=\"3\" length=\"1\"/>\n"
	"    <left_only begin=\"4\" length=\"1\"/>\n"
	"    <right_only begin=\"10\" length=\"1\"/>\n"
	"    <same begin=\"100\" length=\"2\"/>\n"
	"    <left_only begin=\"200\" length=\"6\"/>\n"
	"    <different begin=\"300\" length=\"1\"/>\n"
	"  </diff>\n"
	"</superblock>\n";

/* `thin_delta --metadata-snap --snap1 4 --snap2 2 TMETA` */
static const char delta_4_2[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <diff left=\"4\" right=\"2\">\n"
	"    <right_only begin=\"0\" length=\"4\"/>\n"
	"    <right_only begin=\"10\" length=\"1\"/>\n"
	"    <right_only begin=\"100\" length=\"2\"/>\n"
	"    <right_only begin=\"300\" length=\"1\"/>\n"
	"  </diff>\n"
	"</superblock>\n";

/* `thin_dump --metadata-snap --dev-id 2 TMETA` */
static const char dump_2[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <device dev_id=\"2\" mapped_blocks=\"8\" transaction=\"1\" creation_time=\"1\" snap_time=\"1\">\n"
	"    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"4\" time=\"0\"/>\n"
	"    <single_mapping origin_block=\"10\" data_block=\"4\" time=\"0\"/>\n"
	"    <range_mapping origin_begin=\"100\" data_begin=\"5\" length=\"2\" time=\"0\"/>\n"
	"    <single_mapping origin_block=\"300\" data_block=\"7\" time=\"0\"/>\n"
	"  </device>\n"
	"</superblock>\n";

/* `thin_dump --metadata-snap --dev-id 3 TMETA` */
static const char dump_3[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <device dev_id=\"3\" mapped_blocks=\"14\" transaction=\"2\" creation_time=\"2\" snap_time=\"2\">\n"
	"    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"2\" time=\"0\"/>\n"
	"    <single_mapping origin_block=\"2\" data_block=\"8\" time=\"1\"/>\n"
	"    <single_mapping origin_block=\"3\" data_block=\"3\" time=\"0\"/>\n"
	"    <single_mapping origin_block=\"4\" data_block=\"9\" time=\"1\"/>\n"
	"    <range_mapping origin_begin=\"100\" data_begin=\"5\" length=\"2\" time=\"0\"/>\n"
	"    <range_mapping origin_begin=\"200\" data_begin=\"10\" length=\"6\" time=\"1\"/>\n"
	"    <single_mapping origin_block=\"300\" data_block=\"16\" time=\"1\"/>\n"
	"  </device>\n"
	"</superblock>\n";

/* `thin_dump --metadata-snap --dev-id 4 TMETA` */
static const char dump_4[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"  <device dev_id=\"4\" mapped_blocks=\"0\" transaction=\"3\" creation_time=\"2\" snap_time=\"2\">\n"
	"  </device>\n"
	"</superblock>\n";

/* `thin_dump --metadata-snap --dev-id 77 TMETA` */
static const char dump_77[] =
	"<superblock uuid=\"\" time=\"2\" transaction=\"4\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"0\">\n"
	"</superblock>\n";

#endif /* SL_RANGES_CAPTURES_H */
