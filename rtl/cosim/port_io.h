// Moving values between the C model's 64-bit words and Verilated ports.
//
// Verilator gives a port of up to 8 bits a CData, up to 16 an SData, up to
// 32 an IData, up to 64 a QData and anything wider a VlWide<N> of 32-bit
// words; which one depends on the widths of the build, so these overloads
// let dut_verilated.cpp say the same thing for every configuration.
#ifndef PNIC_COSIM_PORT_IO_H
#define PNIC_COSIM_PORT_IO_H

#include <cstdint>
#include <type_traits>

#include "verilated.h"

template <typename T>
static inline void port_put(T &port, const uint64_t *w, unsigned bits)
{
	static_assert(std::is_integral<T>::value, "integral port");
	uint64_t v = w[0];

	if (bits < 64)
		v &= (1ull << bits) - 1;
	port = (T)v;
}

template <std::size_t N>
static inline void port_put(VlWide<N> &port, const uint64_t *w, unsigned bits)
{
	for (std::size_t i = 0; i < N; i++) {
		uint32_t v = (uint32_t)(w[i / 2] >> (32 * (i % 2)));
		unsigned lo = (unsigned)i * 32;

		if (lo + 32 > bits)
			v &= bits > lo ? (1u << (bits - lo)) - 1 : 0;
		port[i] = v;
	}
}

template <typename T>
static inline void port_get(const T &port, uint64_t *w, unsigned bits)
{
	static_assert(std::is_integral<T>::value, "integral port");
	(void)bits;
	w[0] = (uint64_t)port;
}

template <std::size_t N>
static inline void port_get(const VlWide<N> &port, uint64_t *w, unsigned bits)
{
	for (unsigned i = 0; i < (bits + 63) / 64; i++)
		w[i] = 0;
	for (std::size_t i = 0; i < N; i++)
		w[i / 2] |= (uint64_t)port[i] << (32 * (i % 2));
}

#endif
