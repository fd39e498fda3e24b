//! Bulk discount: 10% off from 10 items, 20% off from 100 items, at any hour.
#![no_std]

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[no_mangle]
pub extern "C" fn price_func(count: i32, unit_price: i32, _hour: i32) -> i32 {
    let price = count.wrapping_mul(unit_price);
    if count >= 100 {
        price - price / 5
    } else if count >= 10 {
        price - price / 10
    } else {
        price
    }
}
