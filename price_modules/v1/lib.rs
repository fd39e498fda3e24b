//! v1 (launch firmware): the price is count times unit price.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Wrapping multiplication, as in a Rust release build.
#[no_mangle]
pub extern "C" fn price_func(count: i32, unit_price: i32) -> i32 {
    count.wrapping_mul(unit_price)
}
