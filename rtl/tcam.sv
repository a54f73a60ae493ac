// TCAM: Depth entries of a KeyWidth-bit value, mask and valid bit, a
// parallel compare of every entry against a key, and a lowest-index
// priority encoder over the match vector.
//
// Timing (the lookup core's S1 -> S2 step): key_i is held by the caller
// while key_valid_i; at an edge where sample_i is high the match vector of
// key_i against the table *as it was before that edge* is registered (a
// write at the same edge is not seen), and hit_o/index_o are the priority
// encoding of that registered vector until the next sampling edge.
//
// Two implementations of the same function, chosen by Transposed:
//  - 0: value/mask per entry, compared entry by entry (the textbook TCAM,
//    and the simple oracle for the other one);
//  - 1: transposed, as FPGA TCAMs are built from RAM (Xilinx XAPP1151):
//    the key is cut into SliceBits-bit slices; for each slice and each of
//    its 2**SliceBits values a Depth-bit vector says which entries accept
//    that value.  A lookup ANDs one vector per slice (word-parallel in a
//    simulator); a write rewrites column wr_index_i of every slice's
//    vectors.  Here that rewrite happens in one cycle; hardware built from
//    RAM would take 2**SliceBits cycles (one per value, all slices in
//    parallel) or a wider write port, and would hold the lookup port
//    meanwhile.
// Either way the compare is only evaluated while key_valid_i, so idle
// cycles cost a simulator nothing.  Only the valid bits are reset.
`default_nettype none

module tcam #(
  parameter int KeyWidth = 128,
  parameter int Depth = 1024,
  parameter bit Transposed = 1'b1,
  parameter int SliceBits = 6,
  localparam int IndexWidth = $clog2(Depth)
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // Write port: an entry write (value & mask, mask, valid) or invalidate.
  input  logic                  wr_en_i,
  input  logic                  inv_en_i,
  input  logic [IndexWidth-1:0] wr_index_i,
  input  logic [KeyWidth-1:0]   wr_value_i,
  input  logic [KeyWidth-1:0]   wr_mask_i,
  // Lookup.
  input  logic                  key_valid_i,
  input  logic [KeyWidth-1:0]   key_i,
  input  logic                  sample_i,
  output logic                  hit_o,
  output logic [IndexWidth-1:0] index_o
);
  if (Depth < pnic_cfg_pkg::TcamMinDepth || (Depth & (Depth - 1)) != 0) begin : gen_bad_depth
    $fatal(1, "tcam: Depth must be a power of two >= %0d, got %0d", pnic_cfg_pkg::TcamMinDepth,
           Depth);
  end
  if (KeyWidth < 1 || KeyWidth > pnic_cfg_pkg::KeyMaxBits) begin : gen_bad_key_width
    $fatal(1, "tcam: KeyWidth must be 1..%0d, got %0d", pnic_cfg_pkg::KeyMaxBits, KeyWidth);
  end
  // Up to 64 values per slice: the write loop below must stay short enough
  // for Verilator to unroll it (and 6 bits is an FPGA LUT's RAM64).
  if (Transposed && (SliceBits < 1 || SliceBits > 6)) begin : gen_bad_slice_bits
    $fatal(1, "tcam: SliceBits must be 1..6, got %0d", SliceBits);
  end

  logic [Depth-1:0] valid_q;
  logic [Depth-1:0] match_d;
  logic [Depth-1:0] match_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (wr_en_i) begin
      valid_q[wr_index_i] <= 1'b1;
    end else if (inv_en_i) begin
      valid_q[wr_index_i] <= 1'b0;
    end
  end

  if (!Transposed) begin : gen_plain
    logic [KeyWidth-1:0] value_q [Depth];
    logic [KeyWidth-1:0] mask_q [Depth];

    always_ff @(posedge clk_i) begin
      if (wr_en_i) begin
        value_q[wr_index_i] <= wr_value_i & wr_mask_i;
        mask_q[wr_index_i] <= wr_mask_i;
      end
    end

    always_comb begin
      match_d = match_q;
      if (key_valid_i) begin
        for (int i = 0; i < Depth; i++) begin
          match_d[i] = valid_q[i] && ((key_i & mask_q[i]) == value_q[i]);
        end
      end
    end
  end else begin : gen_transposed
    localparam int NumSlices = (KeyWidth + SliceBits - 1) / SliceBits;
    localparam int NumValues = 1 << SliceBits;
    localparam int PadWidth = NumSlices * SliceBits;

    // Padding bits have mask 0 (don't care), so they always match.
    logic [PadWidth-1:0] key_pad;
    logic [PadWidth-1:0] value_pad;
    logic [PadWidth-1:0] mask_pad;
    logic [KeyWidth-1:0] value_masked;
    logic [Depth-1:0]    tbl_q [NumSlices][NumValues];

    assign key_pad = PadWidth'(key_i);
    assign value_masked = wr_value_i & wr_mask_i;
    assign value_pad = PadWidth'(value_masked);
    assign mask_pad = PadWidth'(wr_mask_i);

    // One block per slice: Verilator unrolls the value loop and shares one
    // delayed-assignment flag among the slice's column bits.
    for (genvar s = 0; s < NumSlices; s++) begin : gen_slice
      logic [SliceBits-1:0] slice_value;
      logic [SliceBits-1:0] slice_mask;

      assign slice_value = value_pad[s * SliceBits +: SliceBits];
      assign slice_mask = mask_pad[s * SliceBits +: SliceBits];

      always_ff @(posedge clk_i) begin
        if (wr_en_i) begin
          for (int v = 0; v < NumValues; v++) begin
            tbl_q[s][v][wr_index_i] <= (SliceBits'(v) & slice_mask) == slice_value;
          end
        end
      end
    end

    always_comb begin
      match_d = match_q;
      if (key_valid_i) begin
        match_d = valid_q;
        for (int s = 0; s < NumSlices; s++) begin
          match_d = match_d & tbl_q[s][key_pad[s * SliceBits +: SliceBits]];
        end
      end
    end
  end

  // The match vector is data qualified by the caller's stage valid bit.
  always_ff @(posedge clk_i) begin
    if (sample_i) begin
      match_q <= match_d;
    end
  end

  prio_enc #(
    .Width(Depth)
  ) u_prio_enc (
    .req_i  (match_q),
    .valid_o(hit_o),
    .index_o(index_o)
  );

endmodule

`default_nettype wire
