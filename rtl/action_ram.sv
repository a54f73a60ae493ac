// Action RAM: Depth words of Width bits, one write port and one read port
// with a registered output (a synchronous RAM, as an FPGA block RAM or an
// ASIC SRAM macro behaves).
//
// A read enabled at an edge returns the word as it was before that edge: a
// write at the same edge is not seen (read-first).  The output holds while
// no read is enabled.  Contents are not reset; the lookup core never shows
// a word that was not written.
`default_nettype none

module action_ram #(
  parameter int Depth = 1024,
  parameter int Width = pnic_cfg_pkg::ActionWidth,
  localparam int AddrWidth = $clog2(Depth)
) (
  input  logic                 clk_i,
  input  logic                 wr_en_i,
  input  logic [AddrWidth-1:0] wr_addr_i,
  input  logic [Width-1:0]     wr_data_i,
  input  logic                 rd_en_i,
  input  logic [AddrWidth-1:0] rd_addr_i,
  output logic [Width-1:0]     rd_data_o
);
  logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rd_data_q;

  always_ff @(posedge clk_i) begin
    if (wr_en_i) begin
      mem_q[wr_addr_i] <= wr_data_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (rd_en_i) begin
      rd_data_q <= mem_q[rd_addr_i];
    end
  end

  assign rd_data_o = rd_data_q;

endmodule

`default_nettype wire
