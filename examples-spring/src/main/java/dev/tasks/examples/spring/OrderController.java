package dev.tasks.examples.spring;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop over HTTP: {@code POST /orders} with {@code {"customer":"ada","item":"book","quantity":2}} places an
 * order (201 and its id; 409 when the stock is short, 400 for a bad request), {@code GET /orders/{id}} shows it.
 */
@RestController
@RequestMapping("/orders")
public class OrderController {
    private final OrderService orders;

    public OrderController(OrderService orders) {
        this.orders = orders;
    }

    /** The body of {@code POST /orders}. */
    public record OrderRequest(String customer, String item, int quantity) {}

    /** The answer to {@code POST /orders}. */
    public record Placed(long id) {}

    @PostMapping
    public ResponseEntity<Placed> place(@RequestBody OrderRequest request) {
        if (request.customer() == null || request.customer().isBlank() || request.item() == null
                || request.quantity() < 1) {
            throw new IllegalArgumentException("an order needs a customer, an item and a quantity >= 1, was "
                    + request);
        }
        long id = orders.placeOrder(request.customer(), request.item(), request.quantity());
        return ResponseEntity.created(URI.create("/orders/" + id)).body(new Placed(id));
    }

    @GetMapping("/{id}")
    public ResponseEntity<OrderService.Order> get(@PathVariable long id) {
        return ResponseEntity.of(orders.find(id));
    }

    @ExceptionHandler(OrderService.OutOfStock.class)
    ProblemDetail outOfStock(OrderService.OutOfStock e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    }
}
