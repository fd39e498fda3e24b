//! v3 (happy hour): full price at lunch (12-13) and in the evening (17-23),
//! half price otherwise.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[no_mangle]
pub extern "C" fn price_func(count: i32, unit_price: i32, hour: i32) -> i32 {
    let price = count.wrapping_mul(unit_price);
    if (11 < hour && hour < 14) || (16 < hour && hour < 24) {
        price
    } else {
        (price as f32 * 0.5) as i32
    }
}
