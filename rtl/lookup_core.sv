// Lookup core: TCAM -> action RAM -> VPID map, a config write port, and
// valid/ready request and response streams (docs/lookup_core_contract.md
// is the binding interface and timing; docs/lookup_core.md explains it).
//
// Pipeline, one stage per advancing edge (latency 3 when never stalled):
//   accept  S1 <= key, tag
//   S1->S2  TCAM compare sampled into the match register
//   S2->S3  priority-encoded index reads the action RAM
//   S3->R   the action's VPID reads the map RAM; the response register loads
// One global stall: every stage moves only when the response register is
// empty or being taken (advance).  A config beat takes the lookup slot, so
// a write and a lookup never move on the same edge, and every RAM sees a
// write at the edge it is accepted: a stage sampling at that edge still
// reads the old contents.
//
// Widths, the action field positions and the limits the parameters are
// checked against come from the package that tools/kpgen generates from
// the C headers (pnic_cfg_pkg).
`default_nettype none

module lookup_core #(
  parameter int KeyWidth = pnic_cfg_pkg::KeyWidthDefault,
  parameter int Depth = 1024,
  parameter int ActionWidth = pnic_cfg_pkg::ActionWidth,
  parameter int NumVpids = pnic_cfg_pkg::LookupCoreDefaultVpids,
  parameter int PpidWidth = pnic_cfg_pkg::PpidWidth,
  parameter int TagWidth = pnic_cfg_pkg::TagWidth,
  // TCAM implementation (see tcam.sv): transposed RAM tables (fast to
  // simulate) or per-entry value/mask compare; same function and timing.
  parameter bit TcamTransposed = 1'b1,
  parameter int TcamSliceBits = 6,
  // Check that the driver keeps req/cfg beats stable while not ready
  // (simulation assertions only; clear it to drive illegal stimulus).
  parameter bit CheckInputProtocol = 1'b1,
  localparam int IndexWidth = $clog2(Depth),
  localparam int CfgOpWidth = pnic_cfg_pkg::CfgOpWidth,
  localparam int CfgIndexWidth = pnic_cfg_pkg::CfgIndexWidth
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  // Config write port.
  input  logic                     cfg_valid_i,
  output logic                     cfg_ready_o,
  input  logic [CfgOpWidth-1:0]    cfg_op_i,
  input  logic [CfgIndexWidth-1:0] cfg_index_i,
  input  logic [KeyWidth-1:0]      cfg_value_i,
  input  logic [KeyWidth-1:0]      cfg_mask_i,
  input  logic [ActionWidth-1:0]   cfg_action_i,
  input  logic [PpidWidth-1:0]     cfg_ppid_i,
  // Lookup request.
  input  logic                     req_valid_i,
  output logic                     req_ready_o,
  input  logic [KeyWidth-1:0]      req_key_i,
  input  logic [TagWidth-1:0]      req_tag_i,
  // Response.
  output logic                     rsp_valid_o,
  input  logic                     rsp_ready_i,
  output logic [TagWidth-1:0]      rsp_tag_o,
  output logic                     rsp_hit_o,
  output logic [IndexWidth-1:0]    rsp_index_o,
  output logic [ActionWidth-1:0]   rsp_action_o,
  output logic [PpidWidth-1:0]     rsp_ppid_o,
  output logic                     rsp_mapped_o
);
  localparam int VpidWidth = pnic_cfg_pkg::VpidWidth;
  localparam int VpidOff = pnic_cfg_pkg::ActVpidOff;

  // ---- parameter checks (elaboration) -----------------------------------
  // The limits are the C model's (pnic_cfg_pkg, from the C headers).
  localparam int MinDepth = pnic_cfg_pkg::TcamMinDepth;
  localparam int MaxDepth = pnic_cfg_pkg::LookupCoreRtlMaxDepth;
  localparam int MaxVpids = pnic_cfg_pkg::VpidMapMaxVpids;
  if (Depth < MinDepth || Depth > MaxDepth || (Depth & (Depth - 1)) != 0) begin : gen_bad_depth
    $fatal(1, "lookup_core: Depth must be a power of two in %0d..%0d, got %0d",
           MinDepth, MaxDepth, Depth);
  end
  if (KeyWidth < 1 || KeyWidth > pnic_cfg_pkg::KeyMaxBits) begin : gen_bad_key_width
    $fatal(1, "lookup_core: KeyWidth must be 1..%0d, got %0d", pnic_cfg_pkg::KeyMaxBits,
           KeyWidth);
  end
  if (ActionWidth < VpidOff + VpidWidth) begin : gen_bad_action_width
    $fatal(1, "lookup_core: ActionWidth %0d cannot hold the VPID field at bits %0d+:%0d",
           ActionWidth, VpidOff, VpidWidth);
  end
  if (NumVpids < 1 || NumVpids > MaxVpids) begin : gen_bad_num_vpids
    $fatal(1, "lookup_core: NumVpids must be 1..%0d, got %0d", MaxVpids, NumVpids);
  end
  if (PpidWidth < 1 || PpidWidth > 32) begin : gen_bad_ppid_width
    $fatal(1, "lookup_core: PpidWidth must be 1..32, got %0d", PpidWidth);
  end
  if (TagWidth < 1 || TagWidth > 32) begin : gen_bad_tag_width
    $fatal(1, "lookup_core: TagWidth must be 1..32, got %0d", TagWidth);
  end

  // ---- handshakes ---------------------------------------------------------
  logic advance;
  logic cfg_fire;
  logic req_fire;

  logic rsp_valid_q;

  assign advance = !rsp_valid_q || rsp_ready_i;
  assign cfg_ready_o = advance;
  assign req_ready_o = advance && !cfg_valid_i;
  assign cfg_fire = cfg_valid_i && advance;
  assign req_fire = req_valid_i && req_ready_o;

  // ---- config decode ------------------------------------------------------
  logic entry_in_range;
  logic tcam_wr;
  logic tcam_inv;
  logic action_wr;
  logic map_wr;
  logic map_clr;

  assign entry_in_range = 32'(cfg_index_i) < Depth;

  always_comb begin
    tcam_wr = 1'b0;
    tcam_inv = 1'b0;
    action_wr = 1'b0;
    map_wr = 1'b0;
    map_clr = 1'b0;
    if (cfg_fire) begin
      unique case (cfg_op_i)
        pnic_cfg_pkg::CfgTcamWrite: begin
          tcam_wr = entry_in_range;
          action_wr = entry_in_range;
        end
        pnic_cfg_pkg::CfgTcamInvalidate: tcam_inv = entry_in_range;
        pnic_cfg_pkg::CfgActionWrite:    action_wr = entry_in_range;
        // The map RAM drops VPIDs >= NumVpids itself.
        pnic_cfg_pkg::CfgMapWrite:       map_wr = 1'b1;
        pnic_cfg_pkg::CfgMapClear:       map_clr = 1'b1;
        default: ;
      endcase
    end
  end

  // ---- pipeline valid bits (the only reset state besides the RAMs') ------
  logic s1_valid_q;
  logic s2_valid_q;
  logic s3_valid_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;
      s2_valid_q <= 1'b0;
      s3_valid_q <= 1'b0;
      rsp_valid_q <= 1'b0;
    end else if (advance) begin
      s1_valid_q <= req_fire;
      s2_valid_q <= s1_valid_q;
      s3_valid_q <= s2_valid_q;
      rsp_valid_q <= s3_valid_q;
    end
  end

  // ---- S1: key and tag ----------------------------------------------------
  logic [KeyWidth-1:0] s1_key_q;
  logic [TagWidth-1:0] s1_tag_q;

  always_ff @(posedge clk_i) begin
    if (req_fire) begin
      s1_key_q <= req_key_i;
      s1_tag_q <= req_tag_i;
    end
  end

  // ---- S2: TCAM match register (inside tcam) ------------------------------
  logic [TagWidth-1:0]   s2_tag_q;
  logic                  s2_hit;
  logic [IndexWidth-1:0] s2_index;

  tcam #(
    .KeyWidth  (KeyWidth),
    .Depth     (Depth),
    .Transposed(TcamTransposed),
    .SliceBits (TcamSliceBits)
  ) u_tcam (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .wr_en_i    (tcam_wr),
    .inv_en_i   (tcam_inv),
    .wr_index_i (cfg_index_i[IndexWidth-1:0]),
    .wr_value_i (cfg_value_i),
    .wr_mask_i  (cfg_mask_i),
    .key_valid_i(s1_valid_q),
    .key_i      (s1_key_q),
    .sample_i   (advance && s1_valid_q),
    .hit_o      (s2_hit),
    .index_o    (s2_index)
  );

  always_ff @(posedge clk_i) begin
    if (advance && s1_valid_q) begin
      s2_tag_q <= s1_tag_q;
    end
  end

  // ---- S3: action RAM read ------------------------------------------------
  logic [TagWidth-1:0]    s3_tag_q;
  logic                   s3_hit_q;
  logic [IndexWidth-1:0]  s3_index_q;
  logic [ActionWidth-1:0] s3_ram_action;
  logic [ActionWidth-1:0] s3_action;

  action_ram #(
    .Depth(Depth),
    .Width(ActionWidth)
  ) u_action_ram (
    .clk_i    (clk_i),
    .wr_en_i  (action_wr),
    .wr_addr_i(cfg_index_i[IndexWidth-1:0]),
    .wr_data_i(cfg_action_i),
    .rd_en_i  (advance && s2_valid_q),
    .rd_addr_i(s2_index),
    .rd_data_o(s3_ram_action)
  );

  always_ff @(posedge clk_i) begin
    if (advance && s2_valid_q) begin
      s3_tag_q <= s2_tag_q;
      s3_hit_q <= s2_hit;
      s3_index_q <= s2_index;
    end
  end

  // A miss carries an all-zero action (and so reads VPID 0, unused).
  assign s3_action = s3_hit_q ? s3_ram_action : '0;

  // ---- R: VPID map read and response register ----------------------------
  logic [TagWidth-1:0]    rsp_tag_q;
  logic                   rsp_hit_q;
  logic [IndexWidth-1:0]  rsp_index_q;
  logic [ActionWidth-1:0] rsp_action_q;
  logic                   map_mapped;
  logic [PpidWidth-1:0]   map_ppid;

  vpid_map_ram #(
    .NumVpids (NumVpids),
    .VpidWidth(VpidWidth),
    .PpidWidth(PpidWidth)
  ) u_vpid_map_ram (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .map_en_i   (map_wr),
    .clear_en_i (map_clr),
    .wr_vpid_i  (cfg_index_i[VpidWidth-1:0]),
    .wr_ppid_i  (cfg_ppid_i),
    .rd_en_i    (advance && s3_valid_q),
    .rd_vpid_i  (s3_action[VpidOff +: VpidWidth]),
    .rd_mapped_o(map_mapped),
    .rd_ppid_o  (map_ppid)
  );

  // Response data loads only with a response, so it holds still while the
  // consumer stalls and after it is taken.
  always_ff @(posedge clk_i) begin
    if (advance && s3_valid_q) begin
      rsp_tag_q <= s3_tag_q;
      rsp_hit_q <= s3_hit_q;
      rsp_index_q <= s3_index_q;
      rsp_action_q <= s3_action;
    end
  end

  assign rsp_valid_o = rsp_valid_q;
  assign rsp_tag_o = rsp_tag_q;
  assign rsp_hit_o = rsp_hit_q;
  assign rsp_index_o = rsp_index_q;
  assign rsp_action_o = rsp_action_q;
  assign rsp_mapped_o = rsp_hit_q && map_mapped;
  assign rsp_ppid_o = rsp_mapped_o ? map_ppid : '0;

  // ---- stream rules as assertions (Verilator --assert) --------------------
`ifndef SYNTHESIS
  // Values of the cycle before the current edge, to compare across it.
  logic                   past_rsp_stall_q;
  logic [TagWidth-1:0]    past_rsp_tag_q;
  logic                   past_rsp_hit_q;
  logic [IndexWidth-1:0]  past_rsp_index_q;
  logic [ActionWidth-1:0] past_rsp_action_q;
  logic [PpidWidth-1:0]   past_rsp_ppid_q;
  logic                   past_rsp_mapped_q;
  logic                   past_req_stall_q;
  logic [KeyWidth-1:0]    past_req_key_q;
  logic [TagWidth-1:0]    past_req_tag_q;
  logic                   past_cfg_stall_q;
  logic [CfgOpWidth-1:0]  past_cfg_op_q;
  logic [CfgIndexWidth-1:0] past_cfg_index_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      past_rsp_stall_q <= 1'b0;
      past_req_stall_q <= 1'b0;
      past_cfg_stall_q <= 1'b0;
    end else begin
      past_rsp_stall_q <= rsp_valid_o && !rsp_ready_i;
      past_req_stall_q <= req_valid_i && !req_ready_o;
      past_cfg_stall_q <= cfg_valid_i && !cfg_ready_o;
    end
  end

  always_ff @(posedge clk_i) begin
    past_rsp_tag_q <= rsp_tag_o;
    past_rsp_hit_q <= rsp_hit_o;
    past_rsp_index_q <= rsp_index_o;
    past_rsp_action_q <= rsp_action_o;
    past_rsp_ppid_q <= rsp_ppid_o;
    past_rsp_mapped_q <= rsp_mapped_o;
    past_req_key_q <= req_key_i;
    past_req_tag_q <= req_tag_i;
    past_cfg_op_q <= cfg_op_i;
    past_cfg_index_q <= cfg_index_i;
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni && past_rsp_stall_q) begin
      assert (rsp_valid_o)
      else $error("lookup_core: rsp_valid_o dropped while the consumer stalled");
      assert (rsp_tag_o == past_rsp_tag_q && rsp_hit_o == past_rsp_hit_q &&
              rsp_index_o == past_rsp_index_q && rsp_action_o == past_rsp_action_q &&
              rsp_ppid_o == past_rsp_ppid_q && rsp_mapped_o == past_rsp_mapped_q)
      else $error("lookup_core: response data changed while the consumer stalled");
    end
    if (CheckInputProtocol && rst_ni && past_req_stall_q) begin
      assert (req_valid_i && req_key_i == past_req_key_q && req_tag_i == past_req_tag_q)
      else $error("lookup_core: driver withdrew or changed a request before it was accepted");
    end
    if (CheckInputProtocol && rst_ni && past_cfg_stall_q) begin
      assert (cfg_valid_i && cfg_op_i == past_cfg_op_q && cfg_index_i == past_cfg_index_q)
      else $error("lookup_core: driver withdrew or changed a config beat before it was accepted");
    end
  end
`endif

endmodule

`default_nettype wire
