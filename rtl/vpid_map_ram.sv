// VPID->PPID map RAM: NumVpids entries of a PPID and a mapped bit, one
// write port (map or clear) and one read port with registered outputs.
//
// Addresses are full VPIDs: a write to a VPID >= NumVpids is dropped and a
// read of one returns unmapped, so the caller needs no range check.  Reads
// are read-first like action_ram.  Only the mapped bits are reset.
`default_nettype none

module vpid_map_ram #(
  parameter int NumVpids = pnic_cfg_pkg::LookupCoreDefaultVpids,
  parameter int VpidWidth = pnic_cfg_pkg::VpidWidth,
  parameter int PpidWidth = pnic_cfg_pkg::PpidWidth,
  localparam int AddrWidth = (NumVpids > 1) ? $clog2(NumVpids) : 1
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 map_en_i,    // map[wr_vpid_i] <- wr_ppid_i, mapped
  input  logic                 clear_en_i,  // map[wr_vpid_i] unmapped
  input  logic [VpidWidth-1:0] wr_vpid_i,
  input  logic [PpidWidth-1:0] wr_ppid_i,
  input  logic                 rd_en_i,
  input  logic [VpidWidth-1:0] rd_vpid_i,
  output logic                 rd_mapped_o,
  output logic [PpidWidth-1:0] rd_ppid_o
);
  if (NumVpids < 1 || NumVpids > (1 << VpidWidth)) begin : gen_bad_num_vpids
    $fatal(1, "vpid_map_ram: NumVpids must be 1..%0d, got %0d", 1 << VpidWidth, NumVpids);
  end

  logic [PpidWidth-1:0] ppid_q [NumVpids];
  logic [PpidWidth-1:0] rd_ppid_q;
  logic                 rd_mapped_q;
  logic                 wr_in_range;
  logic                 rd_in_range;
  logic [AddrWidth-1:0] wr_addr;
  logic [AddrWidth-1:0] rd_addr;

  // PPID all-ones is the "unmapped" encoding (VPID_UNMAPPED in the C
  // model), never a port: a map write of it is a no-op, as in the model.
  logic wr_map;

  assign wr_map = map_en_i && wr_ppid_i != '1;
  assign wr_in_range = 32'(wr_vpid_i) < NumVpids;
  assign rd_in_range = 32'(rd_vpid_i) < NumVpids;
  // In range, the low bits are the whole address.
  assign wr_addr = wr_vpid_i[AddrWidth-1:0];
  assign rd_addr = rd_vpid_i[AddrWidth-1:0];

  // The mapped bits are reset, so they live in flops, in words of at most
  // 4096 bits (one word unless NumVpids is larger), each reset as a whole.
  localparam int WordBits = (NumVpids < 1) ? 1 : (NumVpids < 4096) ? NumVpids : 4096;
  localparam int NumWords = (NumVpids + WordBits - 1) / WordBits;

  localparam int WordIdxWidth = (NumWords > 1) ? $clog2(NumWords) : 1;
  localparam int BitIdxWidth = (WordBits > 1) ? $clog2(WordBits) : 1;

  logic [WordBits-1:0]     mapped_q [NumWords];
  logic [WordIdxWidth-1:0] wr_word;
  logic [BitIdxWidth-1:0]  wr_bit;
  logic [WordIdxWidth-1:0] rd_word;
  logic [BitIdxWidth-1:0]  rd_bit;

  assign wr_word = WordIdxWidth'(32'(wr_addr) / WordBits);
  assign wr_bit = BitIdxWidth'(32'(wr_addr) % WordBits);
  assign rd_word = WordIdxWidth'(32'(rd_addr) / WordBits);
  assign rd_bit = BitIdxWidth'(32'(rd_addr) % WordBits);

  for (genvar w = 0; w < NumWords; w++) begin : gen_mapped_word
    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        mapped_q[w] <= '0;
      end else if (wr_in_range && 32'(wr_word) == w) begin
        if (wr_map) begin
          mapped_q[w][wr_bit] <= 1'b1;
        end else if (clear_en_i) begin
          mapped_q[w][wr_bit] <= 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (wr_map && wr_in_range) begin
      ppid_q[wr_addr] <= wr_ppid_i;
    end
  end

  // The read registers are data, not control: they are qualified by the
  // lookup core's stage valid bits and need no reset.
  always_ff @(posedge clk_i) begin
    if (rd_en_i) begin
      rd_mapped_q <= rd_in_range && mapped_q[rd_word][rd_bit];
      rd_ppid_q <= ppid_q[rd_addr];
    end
  end

  assign rd_mapped_o = rd_mapped_q;
  assign rd_ppid_o = rd_ppid_q;

endmodule

`default_nettype wire
