//! v4 (float price): the v3 rule returning f32. Deliberately incompatible with the
//! current firmware, whose host ABI expects an i32 result.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[no_mangle]
pub extern "C" fn price_func(count: i32, unit_price: i32, hour: i32) -> f32 {
    let price = count.wrapping_mul(unit_price);
    if (11 < hour && hour < 14) || (16 < hour && hour < 24) {
        price as f32
    } else {
        price as f32 * 0.5
    }
}
